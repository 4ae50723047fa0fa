"""reference.layers: every LayerSpecError names the layer and says what is wrong."""

import pytest

from reference import LayerSpecError, apply_layer, layer_table


def _conv(name, filters, size, **kw):
    return {"name": name, "type": "conv", "filters": filters, "size": size, **kw}


def _table_error(layers, convention="matlab"):
    with pytest.raises(LayerSpecError) as info:
        layer_table(layers, convention)
    return str(info.value)


INPUT = {"name": "data", "type": "input", "size": [8, 8, 4]}


@pytest.mark.parametrize(
    ("layer", "fragments"),
    [
        ({"name": "x", "type": "frob"}, ["unknown layer type 'frob'", "conv", "maxpool"]),
        ({"name": "x"}, ["'type'"]),
        ({"type": "relu"}, ["'name'"]),
        ({"name": "c", "type": "conv", "size": 3}, ["missing parameter 'filters'"]),
        ({"name": "c", "type": "conv", "filters": 2}, ["missing parameter 'size'"]),
        (_conv("c", 0, 3), ["'filters' must be a positive integer, got 0"]),
        (_conv("c", -3, 3), ["'filters'", "-3"]),
        (_conv("c", 2.5, 3), ["'filters' must be an integer"]),
        (_conv("c", 2, 0), ["'size' must be positive"]),
        (_conv("c", 2, [3, 3, 3]), ["'size'"]),
        (_conv("c", 2, 3, stride=0), ["'stride' must be positive"]),
        (_conv("c", 2, 3, dilation=[1, 0]), ["'dilation' must be positive"]),
        (_conv("c", 2, 3, groups=0), ["'groups'"]),
        (_conv("c", 2, 3, padding=-1), ["padding must be non-negative"]),
        (_conv("c", 2, 3, padding="[1 2 3]"), ["padding"]),
        (_conv("c", 2, 3, bias="no"), ["'bias'"]),
        (_conv("c", 4, 3, groups=3), ["4 input channels", "divisible by groups=3"]),
        (_conv("c", 6, 3, groups=4), ["6 filters", "groups=4"]),
        (_conv("c", 2, 9), ["output height would be < 1", "kernel extent 9"]),
        (_conv("c", 2, 3, dilation=4), ["kernel extent 9"]),
        ({"name": "p", "type": "maxpool", "size": [2, 9]}, ["output width would be < 1"]),
        ({"name": "p", "type": "maxpool"}, ["missing parameter 'size'"]),
        ({"name": "p", "type": "pool", "size": 2}, ["missing parameter 'mode'"]),
        ({"name": "p", "type": "pool", "mode": "min", "size": 2}, ["'mode' must be max or avg"]),
        ({"name": "f", "type": "fc"}, ["missing parameter 'units'"]),
        ({"name": "f", "type": "fc", "units": 0}, ["'units' must be a positive integer"]),
        ({"name": "i", "type": "input", "size": [8, 8, 4]}, ["only layer 0"]),
    ],
)
def test_layer_errors_name_the_layer_and_index(layer, fragments):
    message = _table_error([INPUT, {"name": "r", "type": "relu"}, layer])
    assert message.startswith(f"layer 2 {layer.get('name', '<unnamed>')!r}"), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_conv_or_pool_after_fc_or_flatten():
    fc = {"name": "fc", "type": "fc", "units": 10}
    message = _table_error([INPUT, fc, _conv("c", 2, 1)])
    assert "layer 2 'c'" in message and "spatial input" in message and "(10,)" in message
    flat = {"name": "flat", "type": "flatten"}
    message = _table_error([INPUT, flat, {"name": "p", "type": "maxpool", "size": 1}])
    assert "layer 2 'p'" in message and "spatial input" in message and "(256,)" in message


def test_first_layer_must_be_input():
    assert "layer 0 'c'" in _table_error([_conv("c", 2, 1)])
    assert "first layer must be of type 'input'" in _table_error([_conv("c", 2, 1)])


@pytest.mark.parametrize(
    ("size", "fragment"), [([8, 8], "[H, W, C]"), ([8, 0, 3], "positive"), (None, "'size'")]
)
def test_bad_input_size(size, fragment):
    message = _table_error([{"name": "data", "type": "input", "size": size}])
    assert "layer 0 'data'" in message and fragment in message


def test_pytorch_input_size_message_uses_chw():
    message = _table_error([{"name": "data", "type": "input", "size": [3, 4]}], "pytorch")
    assert "[C, H, W]" in message


def test_duplicate_layer_name():
    message = _table_error([INPUT, {"name": "r", "type": "relu"}, {"name": "r", "type": "relu"}])
    assert "layer 2 'r'" in message and "duplicate layer name 'r'" in message


def test_empty_table_and_unknown_convention():
    with pytest.raises(LayerSpecError, match="non-empty"):
        layer_table([])
    with pytest.raises(LayerSpecError, match="unknown convention 'keras'"):
        layer_table([INPUT], "keras")


def test_apply_layer_error_names_the_layer_without_an_index():
    with pytest.raises(LayerSpecError, match=r"^layer 'c' \(conv\): missing parameter 'filters'"):
        apply_layer({"name": "c", "type": "conv", "size": 3}, (8, 8, 4))
    with pytest.raises(LayerSpecError, match="in_size"):
        apply_layer({"name": "r", "type": "relu"}, (8, 0, 4))
