using System;
using System.Collections.Generic;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What an operator supports, as docs/operators.md shows it (generated from these declarations, see
/// Reporting/OperatorReference): its family, the opsets whose form it reads, what it becomes in a float plan, what
/// an int8 plan does with its float tensors, whether the nanoFramework flavour runs it, and the attribute values it
/// refuses. Tests hold each declaration to the steps the operator really lowers to (OperatorSupportTests).
/// </summary>
/// <param name="Family">The table of docs/operators.md the operator is listed in.</param>
/// <param name="Since">The first opset of the operator's domain whose form of the operator the code reads.</param>
/// <param name="Float">What the operator implements and becomes in a float plan: attributes taken, steps made.</param>
/// <param name="Int8">What an int8 plan does with its float tensors (integer tensors run as in float plans).</param>
/// <param name="Int8Details">How, in a few words (tables, fixed scales, which cases run in float); may be empty.</param>
/// <param name="Nano">Whether the nanoFramework flavour (int8 steps with a nano emitter only) runs it.</param>
public sealed record OperatorSupport(OperatorFamily Family, int Since, string Float, Int8Form Int8, string Int8Details, bool Nano)
{
    /// <summary>The last opset of the form the code reads; null when every later opset ModelBaker reads has it.</summary>
    public int? Until { get; init; }

    /// <summary>Which uses the nanoFramework flavour runs or refuses, when that depends on the use; may be empty.</summary>
    public string NanoDetails { get; init; } = "";

    /// <summary>Attribute values and uses refused with a coded error (MB1104 unless the text names another code).</summary>
    public IReadOnlyList<string> Refuses { get; init; } = Array.Empty<string>();

    /// <summary>The domain of a registered op type: the importer names other domains' operators "&lt;domain&gt;:&lt;OpType&gt;".</summary>
    public static string DomainOf(string opType)
    {
        int colon = opType.LastIndexOf(':');
        return colon < 0 ? "ai.onnx" : opType.Substring(0, colon);
    }

    /// <summary>The op type without its domain.</summary>
    public static string NameOf(string opType) => opType.Substring(opType.LastIndexOf(':') + 1);
}

/// <summary>What an int8 plan does with an operator's float tensors.</summary>
public enum Int8Form
{
    /// <summary>An integer step (or no step: the int8 values are moved or viewed as they are).</summary>
    Integer,
    /// <summary>The float step runs in a float island (IFloatOnlyKernel): dequantized before, quantized after.</summary>
    FloatIsland,
    /// <summary>An int8 bake refuses it with a coded error.</summary>
    Refused,
    /// <summary>Always folded at bake time: the operator never becomes a step.</summary>
    BakeTime,
}

/// <summary>The families of docs/operators.md, in the order it lists them.</summary>
public enum OperatorFamily
{
    DenseLayers,
    Convolution,
    TransposedConvolution,
    Resizing,
    Pooling,
    Activations,
    Arithmetic,
    SelectionAndLogic,
    Normalisation,
    Reductions,
    DataMovement,
    ShapePatterns,
    QuantizedModels,
    TransformerBlocks,
    Recurrent,
    TreeEnsembles,
    ClassicalMachineLearning,
}
