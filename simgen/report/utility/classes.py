"""Which class of the other ("real") set is which simgen class: by ``--map`` or by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from simgen.core.errors import SimgenError


@dataclass
class ClassMatch:
    """Pairs (simgen class, real class), and the classes of each side left without a partner.
    ``real_only`` are real classes simgen never makes: the report lists them (a detector
    trained on simgen cannot find them, so they are not scored)."""

    pairs: list[tuple[str, str]]
    sim_only: list[str] = field(default_factory=list)
    real_only: list[str] = field(default_factory=list)

    def real_to_sim(self) -> dict[str, str]:
        return {r: s for s, r in self.pairs}


def match_names(sim: list[str], real: list[str], mapping: dict[str, str] | None = None,
                option: str = "--map") -> ClassMatch:
    """Match class names: ``mapping`` ``{simgen class: real class}`` when given (each name must
    exist on its side), else the same name ignoring case."""
    if mapping:
        missing = [f"{s}: {r}" for s, r in mapping.items() if s not in sim or r not in real]
        if missing:
            raise SimgenError(f"{option}: classes not in the datasets: {', '.join(missing)} "
                              f"(simgen: {', '.join(sim)}; real: {', '.join(real)})")
        pairs = list(mapping.items())
    else:
        lower = {r.lower(): r for r in real}
        pairs = [(s, lower[s.lower()]) for s in sim if s.lower() in lower]
    sims, reals = {s for s, _ in pairs}, {r for _, r in pairs}
    return ClassMatch(pairs=pairs, sim_only=[s for s in sim if s not in sims],
                      real_only=[r for r in real if r not in reals])
