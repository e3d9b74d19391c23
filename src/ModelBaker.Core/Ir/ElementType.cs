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
    UInt32 = 12,
    UInt64 = 13,
}
