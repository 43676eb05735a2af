"""Your own images as uint8 arrays: a folder of PNG/JPEG files, or an .npz of arrays.

Both give images uint8 ``(N, H, W, C)`` with C 1 (grey) or 3 (colour). :func:`zoo.data.load`
is the entry point; this module does the reading, the checks and the reports.

A folder holds ``.png``, ``.jpg`` or ``.jpeg`` files directly (the train split), or in
``train/`` and ``test/`` subfolders. Its images are unlabelled. Hidden files (``.DS_Store``)
are ignored; any other file is skipped with one :class:`DataNotice`. A file named as an image
that cannot be read (corrupt, truncated, not an image) stops the load: skipping it would
silently change the data. Images of another size than the target are centre-cropped to its
aspect ratio and resized (``fit="crop"``) or stretched (``fit="resize"``); grey images
among colour ones are made colour. Each of these is reported in one :class:`DataNotice`.

An .npz (:data:`NPZ_KEYS`) holds ``x_train`` and/or ``x_test`` (labels ``y_train``/``y_test``
optional), or one array ``x`` or ``images`` (labels ``y`` or ``labels`` optional), which is
the train split. Images are uint8 ``(N, H, W)`` or ``(N, H, W, 1 or 3)``.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import os
import sys
import warnings
import zipfile

import numpy as np
import tensorflow as tf

SPLITS = ("train", "test")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
FITS = ("crop", "resize")
NPZ_KEYS = (
    "x_train/x_test (labels y_train/y_test optional), "
    "or one array x or images (labels y or labels optional)"
)
# PIL modes without colour: 1-bit, 8-bit and 16/32-bit grey, grey with alpha, float.
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# Warnings point at the first caller outside these files (zoo.data's own modules).
_DATA_FILES = frozenset(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("data.py", "datasets.py", "own_images.py")
)


class DataNotice(UserWarning):
    """One line saying what a load did to the data: files skipped, images resized or converted.

    A ``UserWarning`` (shown once per message and caller by default) of its own class, so
    that a caller that wants every one of them, or none, can filter on it alone.
    """


def warn(message: str, category: type[Warning] = DataNotice) -> None:
    """Warns ``message``, attributed to the first caller outside zoo.data's modules."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename in _DATA_FILES:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def parse_size(image_size) -> tuple[int, int] | None:
    """``None``, ``64`` or ``(64, 48)`` as ``(height, width)``; anything else is refused."""
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, int | np.integer) else image_size
    try:
        height, width = (int(s) for s in size)
        ok = all(isinstance(s, int | np.integer) for s in size) and height > 0 and width > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"image_size must be a positive int or (height, width), got {image_size!r}."
        )
    return height, width


def sizes_text(sizes) -> str:
    """``"40×30 (3), 64×64 (4)"``: each (H, W) and how many images have it."""
    counts = collections.Counter(sizes)
    return ", ".join(f"{h}×{w} ({n})" for (h, w), n in sorted(counts.items()))


def report_fit(where: str, sizes, size: tuple[int, int], fit: str, asked: bool) -> None:
    """One ``DataNotice`` saying how many images of ``sizes`` (each (H, W)) ``fit`` changes.

    Args:
        where: The data, as messages name it.
        sizes: Each image's (H, W).
        size: The target (H, W).
        fit: "crop" or "resize".
        asked: Whether ``size`` was asked for (else it is the most common size).
    """
    height, width = size
    odd = [tuple(s) for s in sizes if tuple(s) != (height, width)]
    if not odd:
        return
    ratio = f"{height // math.gcd(height, width)}:{width // math.gcd(height, width)}"
    if all(h * width == w * height for h, w in odd):
        how = "resized (same aspect ratio: nothing cropped or stretched)"
    elif fit == "crop":
        how = f"centre-cropped to {ratio} and resized (fit='crop'; fit='resize' stretches instead)"
    else:
        how = f"stretched (fit='resize'; fit='crop' centre-crops to {ratio} first)"
    chosen = "" if asked else ", the most common size (image_size= picks another)"
    warn(
        f"zoo.data: {where!r}: {len(odd)} of {len(sizes)} images are not {height}×{width}"
        f"{chosen}: {sizes_text(odd)}; {how}."
    )


def fit_images(images: np.ndarray, size: tuple[int, int], fit: str) -> np.ndarray:
    """Images uint8 ``(N, H, W, C)`` brought to ``size``: centre-cropped then resized, or stretched.

    ``fit="crop"`` keeps the largest centred box of the target's aspect ratio, as Keras'
    ``load_img(keep_aspect_ratio=True)`` does, so nothing is distorted; ``"resize"`` keeps the
    whole picture and changes its proportions. Resizing is bilinear with antialiasing.
    """
    check_fit(fit)
    height, width = images.shape[1:3]
    if (height, width) == tuple(size):
        return images
    if fit == "crop":
        crop_h, crop_w = (
            min(height, width * size[0] // size[1]),
            min(width, height * size[1] // size[0]),
        )
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        images = images[:, top : top + crop_h, left : left + crop_w]
    # Chunks bound the float32 copy that tf.image.resize makes of a large array.
    out = [
        tf.image.resize(images[i : i + 512], size, method="bilinear", antialias=True).numpy()
        for i in range(0, len(images), 512)
    ]
    return np.clip(np.rint(np.concatenate(out)), 0, 255).astype(np.uint8)


def convert_channels(images: np.ndarray, channels: int | None) -> np.ndarray:
    """Images ``(N, H, W, C)`` with ``channels`` (1 or 3) channels; None keeps them."""
    if channels is None or images.shape[-1] == channels:
        return images
    if channels == 3:
        return np.repeat(images, 3, axis=-1)
    # ITU-R 601 luma, as PIL's convert("L") uses for the folder's images.
    grey = tf.image.rgb_to_grayscale(images.astype(np.float32)).numpy()
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def check_channels(channels) -> None:
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grey), 3 (colour) or None, got {channels!r}.")


def check_fit(fit) -> None:
    if fit not in FITS:
        raise ValueError(f"Unknown fit {fit!r}: use one of {', '.join(map(repr, FITS))}.")


# --- folder -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Folder:
    """What a folder's split holds, read from the image headers only (nothing decoded)."""

    path: str
    files: tuple[str, ...]
    sizes: tuple[tuple[int, int], ...]  # (height, width) per file
    grey: tuple[bool, ...]  # per file: no colour channels
    skipped: tuple[str, ...]  # names of non-image files

    def target(self, image_size=None, channels=None) -> tuple[int, int, int]:
        """The (H, W, C) a load gives: the asked size, else the most common; colour if any."""
        counts = collections.Counter(self.sizes)
        # Most common size first; among equally common ones the smallest, so it never upsamples.
        common = min(counts, key=lambda s: (-counts[s], s[0] * s[1], s))
        height, width = parse_size(image_size) or common
        return height, width, channels or (1 if all(self.grey) else 3)


def split_dir(root: str, split: str) -> str:
    """The folder that holds ``split``: ``root/split`` if root has split folders, else root."""
    has_splits = [s for s in SPLITS if os.path.isdir(os.path.join(root, s))]
    if has_splits and split not in has_splits:
        raise ValueError(
            f"{root!r} has no {split} split: it has {'/'.join(has_splits)}/ but no {split}/ "
            f"folder. Put {split} images in {os.path.join(root, split)}, or use split="
            f"{has_splits[0]!r}."
        )
    if has_splits:
        return os.path.join(root, split)
    if split != "train":
        raise ValueError(
            f"{root!r} has no {split} split: its images are the train split. Move them to "
            f"{os.path.join(root, 'train')} and put {split} images in "
            f"{os.path.join(root, split)}, or use split='train'."
        )
    return root


def _unreadable(path: str, err: Exception) -> ValueError:
    reason = " ".join(str(err).split()) or type(err).__name__  # one line, whatever PIL says
    return ValueError(
        f"Cannot read image {path!r} ({type(err).__name__}: {reason}): it is corrupt, truncated "
        "or not a PNG/JPEG. Delete it, or replace it with a valid PNG/JPEG file."
    )


def scan_folder(root: str, split: str = "train") -> Folder:
    """Lists a folder's images and reads their sizes and colour modes from the headers.

    Raises:
        ValueError: No such split, no images, or a file that is not a readable image.
    """
    from PIL import Image  # Pillow, which keras.utils.load_img reads with, from matplotlib

    directory = split_dir(root, split)
    files, skipped, subfolders = [], [], []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue  # hidden files: .DS_Store, editors' swap files
        if entry.is_dir():
            subfolders.append(entry.name + "/")
        elif entry.name.lower().endswith(IMAGE_SUFFIXES):
            files.append(entry.path)
        else:
            skipped.append(entry.name)
    if not files:
        found = subfolders + skipped
        listed = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise ValueError(
            f"No images in {directory!r}{f' (found only: {listed})' if found else ''}: zoo "
            "reads .png, .jpg and .jpeg files directly in the folder (or in its train/ and "
            "test/ folders), not in other subfolders. Add images, or name the folder that "
            "holds them."
        )
    sizes, grey = [], []
    for path in files:
        try:
            with Image.open(path) as image:
                sizes.append((image.height, image.width))
                grey.append(image.mode in _GREY_MODES)
        except (OSError, ValueError, SyntaxError) as err:  # PIL raises all three
            raise _unreadable(path, err) from err
    return Folder(directory, tuple(files), tuple(sizes), tuple(grey), tuple(skipped))


def _decode(path: str, channels: int) -> np.ndarray:
    import keras

    try:
        image = keras.utils.load_img(path, color_mode="grayscale" if channels == 1 else "rgb")
        pixels = np.asarray(image)  # decoding happens here for some files: keep it in the try
    except (OSError, ValueError, SyntaxError) as err:
        raise _unreadable(path, err) from err
    if pixels.dtype != np.uint8:  # 16-bit grey PNGs: scale 0-65535 onto 0-255
        pixels = np.clip(np.rint(pixels.astype(np.float64) / 257), 0, 255).astype(np.uint8)
    return pixels.reshape(*pixels.shape[:2], channels)


def read_folder(
    root: str,
    split: str = "train",
    *,
    image_size=None,
    fit: str = "crop",
    channels: int | None = None,
    limit: int | None = None,
) -> np.ndarray:
    """Reads a folder's split as uint8 ``(N, H, W, C)``, reporting what it changed.

    Args:
        root: The folder.
        split: "train" or "test" (see :func:`split_dir`).
        image_size: Target ``(H, W)`` or int; None: the folder's most common size.
        fit: "crop" or "resize", for images of another size (see :func:`fit_images`).
        channels: 1 or 3; None: 1 if every image is grey, else 3.
        limit: Read only the first ``limit`` files (sorted by name).

    Returns:
        The images, in file-name order.
    """
    check_channels(channels)
    check_fit(fit)
    folder = scan_folder(root, split)
    height, width, depth = folder.target(image_size, channels)
    # The target comes from the whole folder, so that `limit` does not change the shape.
    files, sizes, grey = (t[:limit] for t in (folder.files, folder.sizes, folder.grey))
    where = folder.path
    if folder.skipped:
        names = ", ".join(folder.skipped[:3]) + (", ..." if len(folder.skipped) > 3 else "")
        warn(
            f"zoo.data: {where!r}: skipped {len(folder.skipped)} file(s) that are not "
            f".png/.jpg/.jpeg ({names})."
        )
    report_fit(where, sizes, (height, width), fit, asked=image_size is not None)
    mixed = sum(g != (depth == 1) for g in grey)
    if mixed and len(set(folder.grey)) > 1:  # a wholly grey folder made colour was asked for
        done = (
            "grey ones made colour, the grey copied into R, G and B (channels=1 makes all grey)"
            if depth == 3
            else "colour ones made grey by luma (channels=3 keeps colour)"
        )
        warn(
            f"zoo.data: {where!r}: grey and colour images mixed; {mixed} of {len(grey)} "
            f"images changed: {done}."
        )
    groups: dict[tuple[int, int], list[int]] = collections.defaultdict(list)
    for i, size in enumerate(sizes):
        groups[size].append(i)
    images = np.empty((len(files), height, width, depth), np.uint8)
    for indices in groups.values():  # one resize per size: fewer, larger TF calls
        decoded = np.stack([_decode(files[i], depth) for i in indices])
        images[indices] = fit_images(decoded, (height, width), fit)
    return images


# --- npz ----------------------------------------------------------------------------------


def _read_npz(path: str, keys=()) -> tuple[list[str], list[np.ndarray | None]]:
    """An npz's array names and its arrays ``keys`` (None for a None key), or one clear error."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with loaded:  # arrays are read (and a truncated one found) only when asked for
            return list(loaded.files), [None if k is None else loaded[k] for k in keys]
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as err:
        raise ValueError(
            f"Cannot read {path!r} as an .npz file ({type(err).__name__}: {err}). Save your "
            "images with numpy.savez(path, x_train=images), uint8 shaped (N, H, W) or "
            "(N, H, W, C)."
        ) from err


def npz_keys(path: str) -> list[str]:
    """The names of the arrays in an npz, without reading them."""
    return _read_npz(path)[0]


def _npz_keys(found: list[str], split: str, path: str) -> tuple[str, str | None]:
    """The (images, labels) keys of ``split`` in an npz holding ``found``."""
    if "x_train" in found or "x_test" in found:
        if f"x_{split}" not in found:
            other = "train" if split == "test" else "test"
            raise ValueError(
                f"{path!r} has no {split} split (no x_{split}; found: {', '.join(found)}). "
                f"Add x_{split} (and y_{split}) to the file, or use split={other!r}."
            )
        return f"x_{split}", f"y_{split}" if f"y_{split}" in found else None
    single = [k for k in ("x", "images") if k in found]
    if len(single) != 1:
        problem = "both x and images" if single else f"no image array (found: {', '.join(found)})"
        raise ValueError(
            f"{path!r} has {problem}. zoo reads {NPZ_KEYS}; re-save it with those names, e.g. "
            "numpy.savez(path, x_train=images)."
        )
    if split != "train":
        raise ValueError(
            f"{path!r} has no {split} split: its one array {single[0]!r} is the train split. "
            f"Save x_train and x_{split} instead, or use split='train'."
        )
    labels = [k for k in ("y", "labels") if k in found]
    return single[0], labels[0] if labels else None


def read_npz(path: str, split: str = "train") -> tuple[np.ndarray, np.ndarray | None]:
    """Reads one split of an .npz of your own images (keys: :data:`NPZ_KEYS`).

    Returns:
        ``(images, labels)``: uint8 ``(N, H, W, C)``, and int32 ``(N,)`` or None.

    Raises:
        ValueError: Unreadable file, keys that fit no layout, no such split, images not
            uint8 ``(N, H, W)`` or ``(N, H, W, 1 or 3)``, labels not one integer per image.
    """
    x_key, y_key = _npz_keys(npz_keys(path), split, path)
    images, labels = _read_npz(path, (x_key, y_key))[1]
    what = f"{path!r}: {x_key}"
    if images.dtype != np.uint8:
        raise ValueError(
            f"{what} is {images.dtype}, expected uint8 pixels 0-255; convert floats in [0, 1] "
            "with numpy.rint(x * 255).astype('uint8') and save again."
        )
    shape = images.shape
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or min(images.shape) == 0:
        raise ValueError(
            f"{what} has shape {shape}, expected (N, H, W) grey or (N, H, W, 1 or 3) "
            "with N, H, W > 0; reshape flattened images to (N, H, W) and drop any alpha channel."
        )
    if labels is not None:
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"{path!r}: {y_key} is {labels.dtype} {labels.shape} for {len(images)} images; "
                "save one integer class id per image, shape (N,), or leave the labels out."
            )
        if labels.min() < 0:
            raise ValueError(f"{path!r}: {y_key} has negative class ids; use ids 0, 1, 2, ...")
        labels = labels.astype(np.int32)
    return images, labels
