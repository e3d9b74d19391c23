using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Long short-term memory layer: gates i, o, f, c with optional peepholes P, input_forget (f = 1 − i), initial
/// hidden and cell states, outputs Y, Y_h and Y_c. Default activations Sigmoid, Tanh, Tanh.
/// </summary>
public sealed class LSTM : RecurrentOperator
{
    public override string OpType => "LSTM";

    public override OperatorSupport Support => Recurrent("gates i, o, f, c; peepholes P, input_forget; Y_c", Int8Form.Integer,
        "integer LSTM after TensorFlow Lite Micro's (int8 weights per gate row, gates in Q3.12, sigmoid and tanh from one table, int16 cell state " +
        "with a power-of-two scale from calibration, int8 hidden state); other activations than Sigmoid, Tanh, Tanh run in a float island",
        nano: true, nanoDetails: "activations Sigmoid, Tanh, Tanh only (others are a float island: MB1135)");

    protected override RecurrentCell Cell => RecurrentCell.Lstm;
    protected override string[] DefaultActivations { get; } = { "Sigmoid", "Tanh", "Tanh" };
}
