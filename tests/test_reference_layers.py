"""reference.layers: layer tables checked against sizes derived by hand."""

import dataclasses

import pytest

from reference import (
    LayerRow,
    LayerSpecError,
    LayerTable,
    Learnable,
    Rules,
    apply_layer,
    layer_table,
    parse_padding,
    same_padding,
)


def _rows(table):
    """(name, type, output, ((learnable name, shape), ...)) per row, for whole-table asserts."""
    return [
        (r.name, r.type, r.output, tuple((p.name, p.shape) for p in r.learnables))
        for r in table.rows
    ]


def _conv(name, filters, size, **kw):
    return {"name": name, "type": "conv", "filters": filters, "size": size, **kw}


# The homework's 1-D CNN (MATLAB convention), with the padding written in several accepted forms.
SAMPLE = [
    {"name": "data", "type": "input", "size": [3001, 33, 1]},
    _conv("conv1_1", 64, [200, 1], padding="[3 3; 0 0]", stride=[1, 1], activation="relu"),
    _conv("conv1_2", 64, [3, 1], padding="[1 1; 0 0]"),
    {"name": "pool1", "type": "maxpool", "size": [6, 1], "stride": [6, 1]},
    _conv("conv2_1", 128, [3, 1], padding=[[1, 1], [0, 0]]),
    _conv("conv2_2", 128, [3, 1], padding=[1, 0]),
    {"name": "pool2", "type": "Max Pooling", "size": [6, 1], "stride": [6, 1]},
    {
        "name": "conv3_1",
        "type": "Convolution",
        "filters": 128,
        "size": [3, 1],
        "padding": [1, 1, 0, 0],
    },  # noqa: E501
    _conv("conv3_2", 128, [3, 2], padding="[1 1; 1 1]", stride=[1, 3]),
    {"name": "pool3", "type": "pool", "mode": "max", "size": [6, 1], "stride": "[6 1]"},
    {"name": "fc7", "type": "fully_connected", "units": 256},
    {"name": "fc8", "type": "fc", "units": 256},
    {"name": "fc9", "type": "fc", "out": 10},
    {"name": "prob", "type": "softmax"},
]

SAMPLE_ROWS = [
    ("data", "input", (3001, 33, 1), ()),
    ("conv1_1", "conv", (2808, 33, 64), (("weights", (200, 1, 1, 64)), ("bias", (1, 1, 64)))),
    ("conv1_2", "conv", (2808, 33, 64), (("weights", (3, 1, 64, 64)), ("bias", (1, 1, 64)))),
    ("pool1", "maxpool", (468, 33, 64), ()),
    ("conv2_1", "conv", (468, 33, 128), (("weights", (3, 1, 64, 128)), ("bias", (1, 1, 128)))),
    ("conv2_2", "conv", (468, 33, 128), (("weights", (3, 1, 128, 128)), ("bias", (1, 1, 128)))),
    ("pool2", "maxpool", (78, 33, 128), ()),
    ("conv3_1", "conv", (78, 33, 128), (("weights", (3, 1, 128, 128)), ("bias", (1, 1, 128)))),
    ("conv3_2", "conv", (78, 12, 128), (("weights", (3, 2, 128, 128)), ("bias", (1, 1, 128)))),
    ("pool3", "maxpool", (13, 12, 128), ()),
    ("fc7", "fc", (256,), (("weights", (256, 19968)), ("bias", (256,)))),
    ("fc8", "fc", (256,), (("weights", (256, 256)), ("bias", (256,)))),
    ("fc9", "fc", (10,), (("weights", (10, 256)), ("bias", (10,)))),
    ("prob", "softmax", (10,), ()),
]


def test_homework_sample_table_every_row():
    table = layer_table(SAMPLE, "matlab")
    assert table.convention == "matlab"
    assert _rows(table) == SAMPLE_ROWS


def test_homework_sample_counts():
    table = layer_table(SAMPLE)  # matlab is the default
    # conv1_1 200*64+64, conv1_2 3*64*64+64, conv2_1 3*64*128+128, conv2_2/conv3_1 3*128*128+128,
    # conv3_2 6*128*128+128, fc7 256*19968+256, fc8 256*256+256, fc9 10*256+10
    counts = [0, 12864, 12352, 0, 24704, 49280, 0, 49280, 98432, 0, 5112064, 65792, 2570, 0]
    assert [r.count for r in table.rows] == counts
    assert table.total == 5427338
    assert table.row("fc7").learnables[0].count == 5111808


def test_sample_is_unchanged_by_ceil_rounding_because_every_division_is_exact():
    assert _rows(layer_table(SAMPLE, rules=Rules(rounding="ceil"))) == SAMPLE_ROWS


def test_sample_with_padding_ignored():
    # 3001-200+1 = 2802; 2802-3+1 = 2800; floor(2794/6)+1 = 466; 464; 462; floor(456/6)+1 = 77;
    # 75; height 73, width floor(31/3)+1 = 11; floor(67/6)+1 = 12; fc7 input 12*11*128 = 16896
    table = layer_table(SAMPLE, rules=Rules(ignore_padding=True))
    outputs = [r.output for r in table.rows[1:11]]
    assert outputs == [
        (2802, 33, 64),
        (2800, 33, 64),
        (466, 33, 64),
        (464, 33, 128),
        (462, 33, 128),
        (77, 33, 128),
        (75, 33, 128),
        (73, 11, 128),
        (12, 11, 128),
        (256,),
    ]
    assert table.row("fc7").learnables[0].shape == (256, 16896)


# ----------------------------------------------------------------------------- pytorch tables

LENET = [
    {"name": "in", "type": "input", "size": [1, 32, 32]},
    _conv("c1", 6, 5),
    {"name": "r1", "type": "relu"},
    {"name": "s2", "type": "maxpool", "size": 2},
    _conv("c3", 16, 5),
    {"name": "r3", "type": "ReLU"},
    {"name": "s4", "type": "MaxPool2d", "size": 2},
    {"name": "flat", "type": "flatten"},
    {"name": "f5", "type": "linear", "units": 120},
    {"name": "f6", "type": "Linear", "units": 84},
    {"name": "f7", "type": "dense", "units": 10},
]


def test_lenet5_pytorch_table():
    table = layer_table(LENET, "pytorch")
    assert _rows(table) == [
        ("in", "input", (1, 32, 32), ()),
        ("c1", "conv", (6, 28, 28), (("weights", (6, 1, 5, 5)), ("bias", (6,)))),
        ("r1", "relu", (6, 28, 28), ()),
        ("s2", "maxpool", (6, 14, 14), ()),  # PyTorch pool stride defaults to the pool size
        ("c3", "conv", (16, 10, 10), (("weights", (16, 6, 5, 5)), ("bias", (16,)))),
        ("r3", "relu", (16, 10, 10), ()),
        ("s4", "maxpool", (16, 5, 5), ()),
        ("flat", "flatten", (400,), ()),
        ("f5", "fc", (120,), (("weights", (120, 400)), ("bias", (120,)))),
        ("f6", "fc", (84,), (("weights", (84, 120)), ("bias", (84,)))),
        ("f7", "fc", (10,), (("weights", (10, 84)), ("bias", (10,)))),
    ]
    # 156 + 2416 + 48120 + 10164 + 850: the classic LeNet-5 parameter count
    assert table.total == 61706


def test_lenet5_in_matlab_convention_uses_hwc_and_matlab_shapes():
    layers = [dict(layer) for layer in LENET]
    layers[0] = {"name": "in", "type": "input", "size": [32, 32, 1]}
    for i in (3, 6):  # MATLAB's default pool stride is 1, so give it explicitly
        layers[i]["stride"] = 2
    table = layer_table(layers, "matlab")
    assert table.row("c1").output == (28, 28, 6)
    assert table.row("c3").learnables[0].shape == (5, 5, 6, 16)
    assert table.row("c3").learnables[1].shape == (1, 1, 16)
    assert table.row("s4").output == (5, 5, 16)
    assert table.row("flat").output == (400,)
    assert table.total == 61706


RESNET_STEM = [
    {"name": "x", "type": "input", "size": [3, 224, 224]},
    _conv("conv1", 64, 7, stride=2, padding=3, bias=False),
    {"name": "bn1", "type": "BatchNorm2d"},
    {"name": "relu", "type": "relu"},
    {"name": "maxpool", "type": "maxpool", "size": 3, "stride": 2, "padding": 1},
]


def test_resnet_stem_pytorch():
    table = layer_table(RESNET_STEM, "pytorch")
    # floor((224 + 6 - 7) / 2) + 1 = 112; floor((112 + 2 - 3) / 2) + 1 = 56
    assert _rows(table) == [
        ("x", "input", (3, 224, 224), ()),
        ("conv1", "conv", (64, 112, 112), (("weights", (64, 3, 7, 7)),)),
        ("bn1", "batchnorm", (64, 112, 112), (("scale", (64,)), ("offset", (64,)))),
        ("relu", "relu", (64, 112, 112), ()),
        ("maxpool", "maxpool", (64, 56, 56), ()),
    ]
    assert table.total == 64 * 3 * 49 + 2 * 64


def test_batchnorm_shapes_per_convention_and_after_fc():
    bn = {"name": "bn", "type": "batchnorm"}
    assert apply_layer(bn, (8, 8, 16), "matlab").learnables == (
        Learnable("scale", (1, 1, 16)),
        Learnable("offset", (1, 1, 16)),
    )
    assert apply_layer(bn, (16, 8, 8), "pytorch").learnables[0].shape == (16,)
    assert apply_layer(bn, (50,), "matlab").learnables[1] == Learnable("offset", (50,))
    assert apply_layer(bn, (50,), "pytorch").output == (50,)


# ----------------------------------------------------------------------------- dilation, groups


def test_dilation_pytorch():
    row = apply_layer(_conv("d", 8, 3, dilation=2), (3, 32, 32), "pytorch")
    assert row.output == (8, 28, 28)  # effective kernel 2*(3-1)+1 = 5
    assert row.learnables[0].shape == (8, 3, 3, 3)  # dilation does not change the weights
    row = apply_layer(_conv("d", 8, 3, dilation=2, padding=2), (3, 32, 32), "pytorch")
    assert row.output == (8, 32, 32)


def test_dilation_pair_with_stride_matlab():
    # effective kernels 5 and 7: height floor(15/2)+1 = 8, width floor(23/2)+1 = 12
    row = apply_layer(_conv("d", 4, 3, dilation=[2, 3], stride=2), (20, 30, 1), "matlab")
    assert row.output == (8, 12, 4)


def test_groups_pytorch_and_depthwise():
    row = apply_layer(_conv("g", 64, 3, groups=4, padding=1), (32, 16, 16), "pytorch")
    assert row.output == (64, 16, 16)
    assert row.learnables == (Learnable("weights", (64, 8, 3, 3)), Learnable("bias", (64,)))
    assert row.count == 64 * 8 * 9 + 64
    depthwise = apply_layer(_conv("dw", 32, 3, groups=32), (32, 16, 16), "pytorch")
    assert depthwise.learnables[0].shape == (32, 1, 3, 3)


def test_groups_matlab_grouped_convolution_shapes():
    row = apply_layer(_conv("g", 64, 3, groups=4, padding=1), (16, 16, 32), "matlab")
    assert row.output == (16, 16, 64)
    assert row.learnables == (
        Learnable("weights", (3, 3, 8, 16, 4)),
        Learnable("bias", (1, 1, 16, 4)),
    )
    assert row.count == 4672  # same parameter count as the PyTorch layout


# ----------------------------------------------------------------------------- padding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, (2, 2, 2, 2)),
        (0, (0, 0, 0, 0)),
        ([1, 2], (1, 1, 2, 2)),
        ((1, 2), (1, 1, 2, 2)),
        ([1, 2, 3, 4], (1, 2, 3, 4)),
        ([[1, 2], [3, 4]], (1, 2, 3, 4)),
        ("[3 3; 0 0]", (3, 3, 0, 0)),
        ("[1,2;3,4]", (1, 2, 3, 4)),
        ("[1 2 3 4]", (1, 2, 3, 4)),
        ("[1 2]", (1, 1, 2, 2)),
        ("1", (1, 1, 1, 1)),
        ("same", "same"),
        (" SAME ", "same"),
    ],
)
def test_parse_padding_forms(value, expected):
    assert parse_padding(value) == expected


@pytest.mark.parametrize(
    "value", [[1, 2, 3], -1, "[1 2; 3]", "abc", [[1, 2, 3], [1, 2]], 1.5, True, "[]", None]
)
def test_parse_padding_rejects(value):
    with pytest.raises(LayerSpecError):
        parse_padding(value)


def test_asymmetric_padding_changes_height_and_width_separately():
    # height 5 + 1 + 0 - 3 + 1 = 4, width 5 + 2 + 0 - 3 + 1 = 5
    row = apply_layer(_conv("a", 1, 3, padding=[1, 0, 2, 0]), (5, 5, 1))
    assert row.output == (4, 5, 1)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((7, 3, 2), (1, 1)),  # out 4, total 3*2 + 3 - 7 = 2 (even)
        ((8, 3, 2), (0, 1)),  # out 4, total 3*2 + 3 - 8 = 1 (odd: extra after)
        ((10, 4, 1), (1, 2)),  # out 10, total 3
        ((10, 3, 1, 2), (2, 2)),  # effective kernel 5, total 4
        ((6, 1, 4), (0, 0)),  # out 2, (2-1)*4 + 1 - 6 < 0: no padding
    ],
)
def test_same_padding(args, expected):
    assert same_padding(*args) == expected


def test_same_conv_and_pool_output_is_ceil_of_input_over_stride():
    row = apply_layer(_conv("s", 5, 3, stride=2, padding="same"), (7, 8, 3), "matlab")
    assert row.output == (4, 4, 5)
    row = apply_layer(_conv("s", 5, 4, padding="same"), (5, 10, 10), "pytorch")
    assert row.output == (5, 10, 10)
    pool = {"name": "p", "type": "maxpool", "size": 3, "stride": 2, "padding": "same"}
    assert apply_layer(pool, (7, 7, 2), "matlab").output == (4, 4, 2)


# ----------------------------------------------------------------------------- rules


def test_ceil_rounding_rule():
    pool = {"name": "p", "type": "maxpool", "size": 2, "stride": 2}
    # height (13-2)/2 = 5.5, width (12-2)/2 = 5
    assert apply_layer(pool, (3, 13, 12), "pytorch").output == (3, 6, 6)
    assert apply_layer(pool, (3, 13, 12), "pytorch", Rules(rounding="ceil")).output == (3, 7, 6)
    conv = _conv("c", 1, 2, stride=2)
    assert apply_layer(conv, (7, 7, 1)).output == (3, 3, 1)
    assert apply_layer(conv, (7, 7, 1), rules=Rules(rounding="ceil")).output == (4, 4, 1)


def test_ignore_padding_rule_also_drops_same():
    conv = _conv("c", 4, 3, padding="same")
    assert apply_layer(conv, (8, 8, 3)).output == (8, 8, 4)
    assert apply_layer(conv, (8, 8, 3), rules=Rules(ignore_padding=True)).output == (6, 6, 4)


def test_pool_stride_default_confusion():
    pool = {"name": "p", "type": "maxpool", "size": 2}
    assert apply_layer(pool, (3, 32, 32), "pytorch").output == (3, 16, 16)
    matlab_default = Rules(pool_stride_default="matlab")
    assert apply_layer(pool, (3, 32, 32), "pytorch", matlab_default).output == (3, 31, 31)
    assert apply_layer(pool, (32, 32, 3), "matlab").output == (31, 31, 3)
    pytorch_default = Rules(pool_stride_default="pytorch")
    assert apply_layer(pool, (32, 32, 3), "matlab", pytorch_default).output == (16, 16, 3)
    explicit = dict(pool, stride=2)  # an explicit stride is not a default
    assert apply_layer(explicit, (3, 32, 32), "pytorch", matlab_default).output == (3, 16, 16)


def test_pytorch_default_pool_stride_follows_a_rectangular_pool():
    pool = {"name": "p", "type": "avgpool", "size": [3, 2]}
    assert apply_layer(pool, (1, 9, 8), "pytorch").output == (1, 3, 4)


def test_avgpool_with_padding_and_pool_mode():
    pool = {"name": "p", "type": "pool", "mode": "avg", "size": 3, "stride": 2, "padding": 1}
    row = apply_layer(pool, (1, 5, 5), "pytorch")
    assert (row.type, row.output, row.learnables) == ("avgpool", (1, 3, 3), ())


@pytest.mark.parametrize(
    "kwargs", [{"rounding": "round"}, {"pool_stride_default": "keras"}]
)  # fmt: skip
def test_invalid_rules(kwargs):
    with pytest.raises(ValueError):
        Rules(**kwargs)


# ----------------------------------------------------------------------------- types, dataclasses


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("conv", "conv"), ("Conv2d", "conv"), ("convolution", "conv"), ("CONVOLUTION2D", "conv"),
        ("maxpool", "maxpool"), ("max_pooling", "maxpool"), ("avgpool", "avgpool"),
        ("AveragePooling2d", "avgpool"), ("fc", "fc"), ("fully_connected", "fc"),
        ("Linear", "fc"), ("dense", "fc"), ("batchnorm", "batchnorm"),
        ("batch_normalization", "batchnorm"), ("relu", "relu"), ("LeakyReLU", "leakyrelu"),
        ("leaky_relu", "leakyrelu"), ("dropout", "dropout"), ("Softmax", "softmax"),
        ("flatten", "flatten"),
    ],
)  # fmt: skip
def test_type_aliases(alias, canonical):
    layer = {"name": "l", "type": alias, "filters": 2, "size": 1, "units": 3}
    assert apply_layer(layer, (4, 4, 2)).type == canonical


@pytest.mark.parametrize("kind", ["relu", "leakyrelu", "dropout", "softmax"])
def test_passthrough_layers_keep_size_and_have_no_learnables(kind):
    row = apply_layer({"name": "a", "type": kind, "p": 0.5}, (7, 5, 3))
    assert (row.output, row.learnables, row.count) == ((7, 5, 3), (), 0)


def test_flatten_and_fc_after_spatial_output():
    assert apply_layer({"name": "f", "type": "flatten"}, (2, 3, 4), "pytorch").output == (24,)
    fc = apply_layer({"name": "fc", "type": "fc", "units": 5}, (2, 3, 4), "pytorch")
    assert fc.learnables == (Learnable("weights", (5, 24)), Learnable("bias", (5,)))


def test_dataclasses_are_frozen_and_count():
    w = Learnable("weights", (3, 4))
    assert w.count == 12
    row = LayerRow("l", "fc", (3,), (w, Learnable("bias", (3,))))
    assert row.count == 15
    assert LayerTable("matlab", (row, row)).total == 30
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "other"
