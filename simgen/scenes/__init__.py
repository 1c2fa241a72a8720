"""Scene kinds, one package each (schema, randomizers, checks, asset builders), and the
built-in recipes (``*.yaml`` here: ``scene=NAME``). :mod:`simgen.scenes.kind` is the interface."""
