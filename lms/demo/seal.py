"""The demo's seal: a round red stamp marked SAMPLE, drawn with Pillow, so the demo's
certificates show where an agency's seal goes without imitating a real one."""

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "certificates" / "fonts" / "DejaVuSans-Bold.ttf"
RED = (200, 16, 46, 235)
SIZE = 360


def seal_png(ring_text: str, centre_text: str = "MẪU · SAMPLE") -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    middle = SIZE / 2
    for radius, width in ((middle - 4, 9), (middle - 62, 4)):
        draw.ellipse(
            (middle - radius, middle - radius, middle + radius, middle + radius),
            outline=RED,
            width=width,
        )
    _ring(image, ring_text.upper(), radius=middle - 36)
    star = ImageFont.truetype(str(FONT), 54)
    draw.text((middle, middle - 28), "★", font=star, fill=RED, anchor="mm")
    label = ImageFont.truetype(str(FONT), 22)
    draw.text((middle, middle + 34), centre_text, font=label, fill=RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ring(image: Image.Image, text: str, *, radius: float) -> None:
    """Each letter of ``text`` around the ring, upright towards the centre, from the left
    over the top to the right."""
    font = ImageFont.truetype(str(FONT), 25)
    letters = list(text)
    spread = min(290.0, 10.5 * len(letters))
    middle = SIZE / 2
    for index, letter in enumerate(letters):
        angle = -spread / 2 + spread * (index + 0.5) / len(letters)
        tile = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((20, 20), letter, font=font, fill=RED, anchor="mm")
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = middle + radius * math.sin(math.radians(angle)) - 20
        y = middle - radius * math.cos(math.radians(angle)) - 20
        image.alpha_composite(tile, (round(x), round(y)))
