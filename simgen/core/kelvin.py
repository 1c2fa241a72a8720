"""Colour temperature: the linear RGB of a black body's light, the one conversion simgen uses."""

from __future__ import annotations

import numpy as np

# CIE XYZ -> linear sRGB (D65 white), IEC 61966-2-1.
_XYZ_TO_RGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])


def kelvin_to_rgb(kelvin: float) -> tuple[float, float, float]:
    """Linear sRGB (brightest channel 1) of a black body at ``kelvin`` (1667 to 25000 K).

    The chromaticity is the cubic-spline fit of the Planckian locus by Kim et al. (2002, as
    given by Kang et al.), taken to XYZ at unit luminance and to linear sRGB; negative
    channels (outside the sRGB gamut, below about 1900 K) are clipped. 6500 K is close to
    white; lower is warmer (redder), higher cooler (bluer).
    """
    t = float(np.clip(kelvin, 1667.0, 25000.0))
    if t <= 4000.0:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222.0:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000.0:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    rgb = np.clip(_XYZ_TO_RGB @ np.array([x / y, 1.0, (1.0 - x - y) / y]), 0.0, None)
    rgb /= rgb.max()
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]))
