"""Diagnosis labels in words, for pages: the stored label stays a stable code."""

from __future__ import annotations

WORDS = {
    "transposed": "transposed matrix",
    "sign_flipped": "sign flipped",
    "constant_factor": "off by a constant factor",
    "wrong_shape": "wrong shape",
    "softmax_not_normalised": "softmax not normalised",
    "softmax_log_probabilities": "log-probabilities instead of probabilities",
    "softmax_temperature_multiplied": "temperature multiplied instead of divided",
    "softmax_wrong_axis": "softmax over the wrong axis",
    "relu_derivative_ignored": "ReLU derivative taken as 1 where it is 0",
    "ceil_instead_of_floor": "ceil instead of floor",
    "floor_instead_of_ceil": "floor instead of ceil",
    "divided_instead_of_multiplied": "divided instead of multiplied",
    "padding_ignored": "padding ignored",
    "pool_stride_default": "pooling stride default confused",
    "size_off_by_one": "size off by one",
    "size_dims_order": "dimensions in the wrong order",
    "carried_forward": "error carried forward",
    "bias_forgotten": "bias forgotten",
    "bias_per_weight": "bias counted per weight",
    "weights_dims_order": "weight dimensions in the wrong order",
    "learnables_missing": "learnables missing",
    "learnables_on_parameter_free_layer": "learnables on a layer without any",
    "internal_error": "could not be graded automatically",
}


def in_words(labels: str | None) -> str:
    """'carried_forward, padding_ignored' -> 'error carried forward; padding ignored'."""
    if not labels:
        return ""
    return "; ".join(WORDS.get(label.strip(), label.strip()) for label in labels.split(","))
