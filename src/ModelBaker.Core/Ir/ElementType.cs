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
    // Only at a plan's inputs and outputs (docs/architecture.md, "Narrow floats and integers"): the float family is
    // computed as float32 (SmallFloats converts at the edges and at Casts), the integer family as int8 or uint8.
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
    UInt2 = 25,
    Int2 = 26,
}
