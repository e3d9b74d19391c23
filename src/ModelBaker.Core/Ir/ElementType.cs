namespace ModelBaker.Core.Ir;

/// <summary>Element types the graph IR carries. Numbers are ONNX's TensorProto.DataType values.</summary>
public enum ElementType
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    /// <summary>Only at a plan's inputs and outputs: computed as float32 inside (HalfPrecision converts at the edges).</summary>
    Float16 = 10,
    /// <summary>Only at a plan's inputs and outputs: computed as float32 inside (rounded to nearest at the edges).</summary>
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
}
