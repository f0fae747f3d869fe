"""Draw the book's favicon: ``_static/favicon.svg`` and ``_static/favicon.ico``.

The icon is the book's picture in one glance: a convex bowl (the loss in the canonical
space) with its minimum marked, in the colours of the book's figures (``canon.plots``).
The SVG is written by hand; the ICO (16, 32 and 48 pixels, for browsers that ask for
``/favicon.ico``) is drawn with Pillow at 8x and scaled down, so it is smooth at every
size. Both files are committed; run ``python scripts/make_favicon.py`` to draw them
again after changing this script (the output is the same on every run).
"""

import argparse
import io
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
STATIC = ROOT / "_static"

BACKGROUND = "#0072B2"   # canon.plots.COLORS[0]
CURVE = "#FFFFFF"
MINIMUM = "#E69F00"      # canon.plots.COLORS[4]
SIZES = (16, 32, 48)

#: The drawing on a 64 x 64 canvas: a rounded square, the bowl y = 14 + 40 ((x - 32) / 22)^2
#: from x = 10 to 54 (a quadratic Bezier with the same ends and tangents), a dot at (32, 47).
_CORNER = 12
_BOWL = ((10, 14), (32, 80), (54, 14))   # start, control point, end (SVG y grows downwards)
_DOT = (32, 47, 6)                       # centre x, centre y, radius

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
  <title>canon</title>
  <rect width="64" height="64" rx="{_CORNER}" fill="{BACKGROUND}"/>
  <path d="M {_BOWL[0][0]} {_BOWL[0][1]} Q {_BOWL[1][0]} {_BOWL[1][1]} {_BOWL[2][0]} {_BOWL[2][1]}"
        fill="none" stroke="{CURVE}" stroke-width="6" stroke-linecap="round"/>
  <circle cx="{_DOT[0]}" cy="{_DOT[1]}" r="{_DOT[2]}" fill="{MINIMUM}"/>
</svg>
"""


def bowl_points(steps=64):
    """Points of the bowl's quadratic Bezier curve on the 64 x 64 canvas."""
    (x0, y0), (x1, y1), (x2, y2) = _BOWL
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t ** 2
        points.append((a * x0 + b * x1 + c * x2, a * y0 + b * y1 + c * y2))
    return points


def draw(size):
    """The icon as a Pillow RGBA image of ``size`` x ``size`` pixels."""
    from PIL import Image, ImageDraw

    scale = 8 * size / 64
    big = Image.new("RGBA", (8 * size, 8 * size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(big)
    pen.rounded_rectangle((0, 0, 8 * size - 1, 8 * size - 1), radius=_CORNER * scale,
                          fill=BACKGROUND)
    width = 6 * scale
    points = [(x * scale, y * scale) for x, y in bowl_points()]
    pen.line(points, fill=CURVE, width=round(width), joint="curve")
    for x, y in (points[0], points[-1]):   # round caps
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=CURVE)
    cx, cy, r = (v * scale for v in _DOT)
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=MINIMUM)
    return big.resize((size, size), Image.LANCZOS)


def ico_bytes():
    """The ICO file: one PNG-compressed image per size of ``SIZES``."""
    buffer = io.BytesIO()
    images = [draw(size) for size in SIZES]
    images[-1].save(buffer, format="ICO", sizes=[(s, s) for s in SIZES],
                    append_images=images[:-1])
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", metavar="DIR", default=str(STATIC),
                        help="where to write favicon.svg and favicon.ico (default: %(default)s)")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "favicon.svg").write_text(SVG, encoding="utf-8")
    (out / "favicon.ico").write_bytes(ico_bytes())
    print(f"wrote {out / 'favicon.svg'} and {out / 'favicon.ico'} ({', '.join(map(str, SIZES))} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
