"""What the inspection randomizers share while they build a scene, and what the labels read
back: the product, its defects, the camera and lighting drawn."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from simgen.core.spec import SceneContext

GOOD, DEFECTIVE = "good", "defective"
ANOMALY = "anomaly"  # the image record's field of the image-level label


@dataclass
class PlacedDefect:
    """A defect as built: its body's ``instance_id``, ``kind``, ``severity`` in [0, 1]."""

    instance_id: int
    kind: str
    severity: float


@dataclass
class InspectionContext(SceneContext):
    """The scene's product (``product`` kind, its build ``seed``, ``pose``-independent),
    whether the plan made it ``defective``, the defect kinds planned, the defects built (a
    planned defect that found no surface to lie on is not built), the product's body id, the
    stage and lighting kinds, and the product's bounding radius (metres) for the camera."""

    kind = "inspection"
    product: str = ""
    seed: int = 0
    defective: bool = False
    planned: list[str] = field(default_factory=list)
    defects: list[PlacedDefect] = field(default_factory=list)
    product_id: int = 0
    stage: str = ""
    lighting: str = ""
    radius: float = 0.05
    top: float = 0.0  # world z of the stage's top face, where the product rests

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{k: v for k, v in asdict(self).items()}}

    @classmethod
    def from_dict(cls, d: dict) -> InspectionContext:
        d = {k: v for k, v in d.items() if k != "kind"}
        d["defects"] = [PlacedDefect(**x) for x in d.get("defects", [])]
        return cls(**d)

    def drawn_conditions(self) -> dict:
        return {"product": self.product, "stage": self.stage, "lighting": self.lighting,
                "defective": self.defective}

    def parts(self) -> dict[int, int]:
        return {d.instance_id: self.product_id for d in self.defects}

    def image_fields(self, visible: dict[int, int]) -> dict:
        """``anomaly``: ``label`` good or defective by the defects this view shows (a defect
        the product hides from it does not count), their ``defects`` kinds sorted, and the
        ``product`` kind."""
        kinds = sorted({d.kind for d in self.defects if visible.get(d.instance_id, 0) > 0})
        return {ANOMALY: {"label": DEFECTIVE if kinds else GOOD, "defects": kinds, "product": self.product}}
