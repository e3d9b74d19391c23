using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Long short-term memory layer: gates i, o, f, c with optional peepholes P, input_forget (f = 1 − i), initial
/// hidden and cell states, outputs Y, Y_h and Y_c. Default activations Sigmoid, Tanh, Tanh.
/// </summary>
public sealed class LSTM : RecurrentOperator
{
    public override string OpType => "LSTM";

    public override OperatorSupport Support => Recurrent("gates i, o, f, c; peepholes P, input_forget; Y_c");

    protected override RecurrentCell Cell => RecurrentCell.Lstm;
    protected override string[] DefaultActivations { get; } = { "Sigmoid", "Tanh", "Tanh" };
}
