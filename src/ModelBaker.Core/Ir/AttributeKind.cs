namespace ModelBaker.Core.Ir;

/// <summary>
/// Which payload of an <see cref="Attribute"/> is meaningful. Numbers are ONNX's AttributeProto.AttributeType
/// values. Needed because Float and Int are both always present: a zero float and a zero int look alike,
/// and ONNX Runtime rejects an attribute of the wrong type.
/// </summary>
public enum AttributeKind
{
    /// <summary>Not stated; writers infer it from the payload (see OnnxModelWriter).</summary>
    Unspecified = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    /// <summary>A subgraph (Scan's body).</summary>
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
}
