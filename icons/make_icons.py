"""Draws Chappe's icon (an optical-telegraph semaphore, white on French-State blue)
and writes every size Tauri's bundler needs. Run: python3 icons/make_icons.py
(needs Pillow). The outputs are committed; this script is how to remake them."""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
BLUE = (0, 0, 145, 255)  # "bleu France" #000091
WHITE = (255, 255, 255, 255)
RED = (225, 0, 15, 255)


def draw(size: int = 1024) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 1024
    d.rounded_rectangle([40 * s, 40 * s, 984 * s, 984 * s], radius=210 * s, fill=BLUE)
    # Mast.
    d.rectangle([492 * s, 300 * s, 532 * s, 850 * s], fill=WHITE)
    d.rectangle([400 * s, 830 * s, 624 * s, 870 * s], fill=WHITE)
    # Regulator (the long beam), tilted like a signal being sent.
    d.polygon([(250 * s, 420 * s), (280 * s, 380 * s), (774 * s, 260 * s), (790 * s, 305 * s)],
              fill=WHITE)
    # The two indicators at the beam's ends.
    d.polygon([(250 * s, 420 * s), (280 * s, 380 * s), (200 * s, 250 * s), (170 * s, 285 * s)],
              fill=WHITE)
    d.polygon([(774 * s, 260 * s), (790 * s, 305 * s), (880 * s, 430 * s), (900 * s, 395 * s)],
              fill=WHITE)
    d.ellipse([490 * s, 300 * s, 534 * s, 344 * s], fill=RED)
    return img


def main() -> None:
    big = draw()
    for name, px in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256),
                     ("icon.png", 512)]:
        big.resize((px, px), Image.LANCZOS).save(HERE / name)
    big.resize((256, 256), Image.LANCZOS).save(
        HERE / "icon.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)])
    big.resize((512, 512), Image.LANCZOS).save(HERE / "icon.icns")


if __name__ == "__main__":
    main()
