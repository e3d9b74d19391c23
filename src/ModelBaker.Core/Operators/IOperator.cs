using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;

namespace ModelBaker.Core.Operators;

/// <summary>
/// One ONNX operator: its shape rules and its float32 reference semantics. Implementations live one per
/// file in this folder and are listed in <see cref="OperatorRegistry"/>.
/// </summary>
public interface IOperator
{
    string OpType { get; }

    /// <summary>
    /// What docs/operators.md says of the operator (generated from this): family, opsets, float, int8 and nanoFramework
    /// support, refused attribute values. Keep it true to the code: OperatorSupportTests bake the operator's test models
    /// and hold the int8 and nanoFramework claims to the steps they get.
    /// </summary>
    OperatorSupport Support { get; }

    /// <summary>
    /// Sets <see cref="Value.Type"/> and <see cref="Value.Shape"/> of every output of <paramref name="node"/>
    /// from its inputs (whose shapes are known). Throws <see cref="Diagnostics.BakeException"/> with
    /// <see cref="Diagnostics.ErrorCodes.ShapeError"/> naming the node when the inputs do not fit.
    /// </summary>
    void InferShapes(Node node, Graph graph);

    /// <summary>
    /// The float32 reference kernel: computes one tensor per entry of <see cref="Node.Outputs"/> from the
    /// inputs (null for an omitted optional input). This is the executable spec; it matches ONNX Runtime
    /// within 1e-5 relative. <paramref name="opset"/> is <see cref="Graph.Opset"/>: some operators changed
    /// meaning between opsets (Softmax at 13, Dropout's mask at 10) and a kernel must not guess.
    /// </summary>
    Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset);

    /// <summary>
    /// Turns a node whose inputs are not all constant into float plan steps (or into an alias of its input), fusing
    /// into the step before it where that is exact. Throws <see cref="Diagnostics.ErrorCodes.UnsupportedOperatorUsage"/>
    /// for attribute combinations the kernels cannot run.
    /// </summary>
    void Lower(Node node, LoweringContext context);
}
