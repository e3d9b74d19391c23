using System;

namespace ModelBaker.Core.Ir;

/// <summary>An ONNX node attribute; exactly one of the payloads is meaningful.</summary>
public sealed class Attribute
{
    public string Name { get; init; } = "";
    /// <summary>Which payload is meaningful; the ONNX importer always sets it.</summary>
    public AttributeKind Kind { get; init; }
    public float Float { get; init; }
    public long Int { get; init; }
    public string? String { get; init; }
    public float[]? Floats { get; init; }
    public long[]? Ints { get; init; }
    public string[]? Strings { get; init; }
    public Tensor? Tensor { get; init; }
    /// <summary>A subgraph: its inputs, outputs, initializers (constants) and nodes; names outside it are the enclosing graph's.</summary>
    public Graph? Graph { get; init; }
}
