"""Grids follow the images' own shape: grey (any H x W) as before, colour as RGB."""

import re

import matplotlib.image
import numpy as np
import pytest
from PIL import Image

from zoo import callbacks, plotting

RED, BLUE, WHITE = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 1.0)


def solid(colour, size=4):
    """One ``size x size`` RGB image of a single colour."""
    return np.broadcast_to(np.float32(colour), (size, size, 3))


def tile_mean(rgb, row, col, n_rows, n_cols):
    """Mean RGB of the centre of tile ``(row, col)`` of an ``n_rows x n_cols`` grid image.

    The centre half of each tile keeps clear of the padding and of the edge
    pixels that resampling to the figure's size blends with their neighbours.
    """
    h, w = rgb.shape[0] / n_rows, rgb.shape[1] / n_cols
    top, left = int(row * h + h / 4), int(col * w + w / 4)
    return rgb[top : int(top + h / 2), left : int(left + w / 2), :3].reshape(-1, 3).mean(0)


def coloured_part(rgb):
    """The bounding box of an image's coloured pixels: the grid of a colour batch, no title."""
    rgb = rgb[..., :3]
    ys, xs = np.nonzero(rgb.max(-1) - rgb.min(-1) > 0.3)
    return rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def test_grey_grid_is_the_tiles_with_white_padding():
    images = np.array(
        [[[0.0, 0.1], [0.2, 0.3]], [[0.4, 0.5], [0.6, 0.7]], [[0.8, 0.9], [1.0, 0.0]]]
    )
    # ceil(sqrt(3)) = 2 columns, 2 rows; the fourth place stays white.
    expected = np.array(
        [
            [0.0, 0.1, 1.0, 0.4, 0.5],
            [0.2, 0.3, 1.0, 0.6, 0.7],
            [1.0, 1.0, 1.0, 1.0, 1.0],
            [0.8, 0.9, 1.0, 1.0, 1.0],
            [1.0, 0.0, 1.0, 1.0, 1.0],
        ],
        dtype="float32",
    )
    grid = plotting.image_grid(images)
    assert grid.dtype == np.float32
    np.testing.assert_array_equal(grid, expected)
    # A channel axis of 1 is the same grey grid, still 2-D.
    np.testing.assert_array_equal(plotting.image_grid(images[..., None]), expected)


def test_grey_grid_of_any_size_keeps_padding_and_clips():
    grid = plotting.image_grid(np.full((3, 5, 7), 2.0), ncols=3, pad=2)
    assert grid.shape == (5, 3 * 7 + 2 * 2)
    assert grid.max() == 1.0  # clipped to [0, 1]
    grid = plotting.image_grid(np.zeros((2, 5, 7)), ncols=1, pad=2)
    np.testing.assert_array_equal(grid[5:7], 1.0)  # the white row between the tiles
    np.testing.assert_array_equal(grid[[*range(5), *range(7, 12)]], 0.0)


def test_colour_grid_puts_each_image_in_its_tile_with_white_padding():
    images = np.stack([solid(RED), solid(BLUE), solid((0.0, 0.5, 0.0))])
    grid = plotting.image_grid(images, ncols=2)
    assert grid.shape == (2 * 5 - 1, 2 * 5 - 1, 3)
    assert grid.dtype == np.float32
    np.testing.assert_array_equal(grid[:4, :4], solid(RED))
    np.testing.assert_array_equal(grid[:4, 5:], solid(BLUE))
    np.testing.assert_array_equal(grid[5:, :4], solid((0.0, 0.5, 0.0)))
    np.testing.assert_array_equal(grid[5:, 5:], solid(WHITE))  # empty fourth place
    np.testing.assert_array_equal(grid[4], 1.0)  # padding row
    np.testing.assert_array_equal(grid[:, 4], 1.0)  # padding column


@pytest.mark.parametrize("shape", [(2, 4, 4, 2), (2, 4, 4, 4), (0, 4, 4), (0, 4, 4, 3), (4, 4)])
def test_image_grid_refuses_other_shapes_in_one_line(shape):
    with pytest.raises(
        ValueError, match=r"\(N, H, W, 3\).*got shape " + re.escape(str(shape))
    ) as err:
        plotting.image_grid(np.zeros(shape))
    assert "\n" not in str(err.value)


def test_save_grid_draws_colour_images_in_colour(tmp_path):
    images = np.stack([solid(RED, 16), solid(BLUE, 16)])
    path = plotting.save_grid(images, tmp_path / "sub" / "colour.png", ncols=2)
    rgb = coloured_part(matplotlib.image.imread(path))
    np.testing.assert_allclose(tile_mean(rgb, 0, 0, 1, 2), RED, atol=0.05)
    np.testing.assert_allclose(tile_mean(rgb, 0, 1, 1, 2), BLUE, atol=0.05)


def test_save_grid_draws_grey_images_on_a_fixed_scale(tmp_path):
    # vmin=0, vmax=1: a batch of mid-grey stays mid-grey rather than stretched.
    rgb = matplotlib.image.imread(plotting.save_grid(np.full((1, 16, 16), 0.5), tmp_path / "g.png"))
    np.testing.assert_allclose(tile_mean(rgb, 0, 0, 1, 1), [0.5] * 3, atol=0.01)


def test_save_comparison_of_64x64_colour_images(tmp_path):
    originals = np.zeros((3, 64, 64, 3), np.uint8)
    originals[..., 0] = 255  # red, as raw uint8 pixels
    reconstructions = np.zeros((3, 64, 64, 3), np.float32)
    reconstructions[..., 2] = 1.0  # blue
    path = plotting.save_comparison(originals, reconstructions, tmp_path / "cmp.png", title="x")
    rgb = coloured_part(matplotlib.image.imread(path))
    for col in range(3):
        np.testing.assert_allclose(tile_mean(rgb, 0, col, 2, 3), RED, atol=0.1)
        np.testing.assert_allclose(tile_mean(rgb, 1, col, 2, 3), BLUE, atol=0.1)


def test_save_comparison_takes_grey_with_or_without_a_channel_axis(tmp_path):
    originals = np.full((2, 9, 9), 255, np.uint8)
    path = plotting.save_comparison(originals, np.zeros((2, 9, 9, 1)), tmp_path / "g.png")
    rgb = matplotlib.image.imread(path)
    np.testing.assert_allclose(tile_mean(rgb, 0, 0, 2, 2), WHITE, atol=0.05)
    np.testing.assert_allclose(tile_mean(rgb, 1, 1, 2, 2), [0.0] * 3, atol=0.05)


@pytest.mark.parametrize(
    "recon_shape", [(2, 64, 64, 1), (2, 32, 32, 3), (3, 64, 64, 3), (2, 64 * 64)]
)
def test_save_comparison_refuses_mismatched_shapes(tmp_path, recon_shape):
    message = (
        r"save_comparison needs reconstructions of the originals' shape; "
        rf"got originals \(2, 64, 64, 3\) and reconstructions \({', '.join(map(str, recon_shape))}"
    )
    with pytest.raises(ValueError, match=message):
        plotting.save_comparison(
            np.zeros((2, 64, 64, 3), np.uint8), np.zeros(recon_shape), tmp_path / "x.png"
        )
    assert not (tmp_path / "x.png").exists()


def test_save_comparison_refuses_batches_that_are_not_images(tmp_path):
    with pytest.raises(ValueError, match=r"save_comparison takes .* got shape \(2, 8, 8, 2\)"):
        plotting.save_comparison(np.zeros((2, 8, 8, 2)), np.zeros((2, 8, 8, 2)), tmp_path / "x.png")


class FakeColourModel:
    """Just what ImageGrid reads of a generative model: a colour image per noise row."""

    sample_kind = "samples"
    latent_dim = 2

    def __init__(self):
        self.epoch = 0

    def generate(self, noise):
        # First half red, second half blue; brighter with each epoch so frames differ.
        images = np.zeros((len(noise), 8, 8, 3), np.float32)
        half = len(noise) // 2
        images[:half, ..., 0] = images[half:, ..., 2] = 0.6 + 0.2 * self.epoch
        return images


def test_image_grid_callback_writes_colour_frames_and_gif(tmp_path):
    model = FakeColourModel()
    grid = callbacks.ImageGrid(tmp_path, n=4)
    grid.set_model(model)
    grid.on_train_begin()
    for epoch in range(3):
        model.epoch = epoch
        grid.on_epoch_begin(epoch)
        grid.on_epoch_end(epoch)
    grid.on_train_end()
    assert [p.rsplit("/", 1)[-1] for p in grid.frames] == [
        f"samples_epoch_00{e}.png" for e in (1, 2, 3)
    ]
    with Image.open(tmp_path / "samples.gif") as gif:
        assert gif.n_frames == 3
        gif.seek(2)
        last = np.asarray(gif.convert("RGB"), np.float32) / 255
    # The GIF's palette keeps colour: the last frame (1.0 intensity) is red over blue.
    last = coloured_part(last)
    np.testing.assert_allclose(tile_mean(last, 0, 0, 2, 2), RED, atol=0.1)
    np.testing.assert_allclose(tile_mean(last, 1, 1, 2, 2), BLUE, atol=0.1)
