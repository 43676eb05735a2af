"""Finding a preset by name, path or URL: what :func:`zoo.pretrained` resolves.

* A **name** (``"a001.dcgan"``) is a preset shipped inside the package, one
  directory per data set (``zoo/presets/mnist/a001.dcgan/``), so a clean
  clone or a ``pip install`` loads it offline;
* a **path** is any preset directory (``python -m zoo preset``'s);
* a **URL** (``https://``, ``file://``) names an archive (``.tar.gz``,
  ``.tgz``, ``.zip``) of a preset directory: fetched once with
  ``keras.utils.get_file`` into ``$ZOO_CACHE_DIR/presets`` (else
  ``~/.cache/zoo/presets``), checked against its own metadata's sha256 (and
  the archive against ``sha256=`` when given), and moved into the cache only
  when whole, so a download cut short is never used.
"""

import difflib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from zoo.presets import files

#: The presets shipped inside the package: ``SHIPPED/<dataset>/<name>/``.
SHIPPED = Path(__file__).parent
URL_SCHEMES = ("http://", "https://", "file://")
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")


def available(dataset=None):
    """The shipped presets: ``{dataset: [name, ...]}``, or the names of one data set."""
    found = {
        d.name: sorted(
            p.name for p in d.iterdir() if files.is_preset(p) and not p.name.startswith(".")
        )  # fmt: skip
        for d in sorted(SHIPPED.iterdir())
        if d.is_dir() and not d.name.startswith(("_", "."))
    }
    found = {k: v for k, v in found.items() if v}
    return found if dataset is None else found.get(dataset, [])


def dataset_of(data):
    """The data set whose shipped presets a recipe's name picks, given the data in use.

    A named data set picks its own presets (``--data fashion_mnist``: the Fashion-MNIST
    ones); no data, or images of your own (a folder, an .npz), picks MNIST's.

    Example:
        >>> dataset_of("fashion_mnist"), dataset_of(None), dataset_of("my_images/")
        ('fashion_mnist', 'mnist', 'mnist')
    """
    from zoo import datasets

    name = os.fspath(data) if data is not None else "mnist"
    return name if name in datasets.DATASETS else "mnist"


def _unknown(name, dataset):
    """The one-line error for a name that is no shipped preset, path or URL."""
    from zoo import recipes

    shipped = available()
    if dataset not in shipped:
        return (f"No presets for the data set {dataset!r}; data sets with presets: "
                f"{', '.join(shipped) or 'none'}.")  # fmt: skip
    names = shipped[dataset]
    if name in recipes.REGISTRY:
        data = "" if dataset == "mnist" else f" --data {dataset}"
        return (f"The recipe {name!r} has no {dataset} preset; train it "
                f"(python -m zoo train {name}{data}). Presets: {', '.join(names)}.")  # fmt: skip
    close = difflib.get_close_matches(name, sorted({*names, *recipes.names()}), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return (f"{name!r} is no preset name, preset directory or URL.{hint} "
            f"{dataset} presets: {', '.join(names)}.")  # fmt: skip


def cache_dir():
    """Where fetched presets are kept: ``$ZOO_CACHE_DIR/presets``, else ``~/.cache/zoo/presets``."""
    from zoo import classifier

    return classifier.cache_dir() / "presets"


def _archive_name(url):
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not name.endswith(ARCHIVES):
        raise ValueError(
            f"{url!r} names no preset archive; a preset URL ends in one of {', '.join(ARCHIVES)} "
            "(pack a preset directory with: tar czf NAME.tar.gz -C PRESET_DIR .)."
        )
    return name


def _preset_in(directory):
    """The preset directory inside an unpacked archive: its top, or its one folder."""
    if files.is_preset(directory):
        return directory
    inner = [p for p in Path(directory).iterdir() if p.is_dir() and files.is_preset(p)]
    if len(inner) != 1:
        return None
    return inner[0]


def fetch(url, sha256=None, cache=None):
    """The local directory of the preset archive at ``url``, fetched once into the cache.

    Args:
        url: ``https://``, ``http://`` or ``file://`` URL of a preset archive.
        sha256: The archive's expected hex sha256, checked when given.
        cache: Cache directory; defaults to :func:`cache_dir`.

    Returns:
        The cached preset directory (its weights are checked again by :func:`files.load`).

    Raises:
        ValueError: not an archive, a digest mismatch, or an archive that holds no
            whole preset; nothing is left in the cache then.
        OSError: the download failed (Keras' message names the URL).
    """
    import keras

    name = _archive_name(url)
    cache = Path(cache) if cache is not None else cache_dir()
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    target = cache / f"{name.split('.')[0]}-{key}"
    if files.is_preset(target):
        return target
    from zoo import disk

    cache.mkdir(parents=True, exist_ok=True)
    # The download and its unpacking stay in a staging folder that the cache never
    # serves; only a checked preset is swapped into place.
    with tempfile.TemporaryDirectory(prefix=".partial-", dir=cache) as work:
        work = Path(work)
        archive = keras.utils.get_file(
            fname=name, origin=url, cache_dir=str(work), cache_subdir="download"
        )
        found = files.sha256(archive)
        if sha256 is not None and found != sha256.lower():
            raise ValueError(
                f"the preset archive {url!r} does not match its digest (expected sha256 "
                f"{sha256.lower()}, found {found}); the download is damaged or the file changed."
            )
        unpacked = work / "unpacked"
        try:
            # Tar members that escape the folder are refused ("data"); zip's unpacker
            # refuses them on its own and takes no filter.
            tar = {} if name.endswith(".zip") else {"filter": "data"}
            shutil.unpack_archive(archive, unpacked, **tar)
        except (shutil.ReadError, EOFError, OSError, ValueError) as e:
            raise ValueError(f"the preset archive {url!r} is damaged or truncated ({e}).") from None
        preset = _preset_in(unpacked)
        if preset is None:
            raise ValueError(
                f"the archive {url!r} holds no preset directory (config.json, "
                f"{files.WEIGHTS}, {files.METADATA}) at its top or in one folder."
            )
        metadata = files.read_json(preset / files.METADATA, f"the preset at {url!r}")
        weights = files.sha256(preset / files.WEIGHTS)
        if weights != metadata.get("weights_sha256"):
            raise ValueError(
                f"the preset at {url!r}: {files.WEIGHTS} does not match its digest (expected "
                f"sha256 {metadata.get('weights_sha256')}, found {weights}); fetch it again."
            )
        with disk.atomic_directory(target, overwrite=True, what="the fetched preset") as staging:
            for item in preset.iterdir():
                shutil.move(item, staging / item.name)
    return target


def resolve(name_or_path, dataset="mnist", sha256=None):
    """The preset directory that ``name_or_path`` names (see the module's docstring).

    Raises:
        FileNotFoundError: an unknown name (the message suggests close ones), or a
            path that is no preset directory.
    """
    text = os.fspath(name_or_path)
    if text.startswith(URL_SCHEMES):
        return fetch(text, sha256=sha256)
    path = Path(text)
    if path.exists():
        if files.is_preset(path):
            return path
        raise FileNotFoundError(
            f"{text!r} is no preset directory (it needs {files.CONFIG} and {files.WEIGHTS}); "
            "make one with python -m zoo preset RUN_DIR OUT_DIR."
        )
    shipped = SHIPPED / dataset / text
    if "/" not in text and files.is_preset(shipped):
        return shipped
    raise FileNotFoundError(_unknown(text, dataset))


def find(name_or_path, dataset="mnist"):
    """The preset directory of a name, path or URL, or ``None`` when it names none.

    What the command line asks before it reads a path as a run or an export.
    """
    text = os.fspath(name_or_path)
    if text.startswith(URL_SCHEMES):
        return resolve(text, dataset)
    if files.is_preset(text):
        return Path(text)
    shipped = SHIPPED / dataset / text
    if not Path(text).exists() and "/" not in text and files.is_preset(shipped):
        return shipped
    return None


def pretrained(name, dataset="mnist", sha256=None):
    """A trained zoo model from its preset, compiled and ready to use.

    Args:
        name: A recipe's name (its preset shipped with zoo, e.g. ``"a001.dcgan"``),
            a preset directory, or the URL of a preset archive.
        dataset: The data set whose preset a name picks (``"mnist"``).
        sha256: For a URL: the archive's expected sha256.

    Returns:
        A compiled model: ``sample``, ``evaluate``, ``fit`` further, ``export``.

    Raises:
        FileNotFoundError: an unknown name (close ones are suggested) or path.
        ValueError: a damaged or replaced file, weights that do not fit their
            config, a preset of a newer zoo.

    Example:
        >>> import zoo
        >>> model = zoo.pretrained("a001.dcgan")
        >>> model.sample(16, seed=0).shape
        TensorShape([16, 28, 28, 1])
    """
    return files.load(resolve(name, dataset, sha256=sha256))
