using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Gelu (opset 20): Y = X · Φ(X) = X/2 · (1 + erf(X/√2)) with approximate "none" (the default), or its tanh
/// approximation X/2 · (1 + tanh(√(2/π) · (X + 0.044715 X³))) with approximate "tanh". Int8: a 256-entry table.
/// </summary>
public sealed class Gelu : UnaryFloatOperator
{
    public override string OpType => "Gelu";

    public override OperatorSupport Support =>
        Elementwise(20, "approximate none or tanh", family: OperatorFamily.TransformerBlocks) with
        {
            Refuses = new[] { "approximate values other than none and tanh" },
        };

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Gelu;

    /// <summary>Alpha 0: exact; 1: the tanh approximation.</summary>
    protected override (float Alpha, float Beta) Parameters(Node node) => node.GetString("approximate") switch
    {
        null or "none" => (0f, 0f),
        "tanh" => (1f, 0f),
        var other => throw UnsupportedUsage(node, $"approximate \"{Text.Printable(other)}\" is not a Gelu approximation ONNX defines.",
            "Use approximate \"none\" or \"tanh\"."),
    };
}
