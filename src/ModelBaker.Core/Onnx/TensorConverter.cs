using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// Converts between ONNX TensorProto and <see cref="Tensor"/>: float32 stays float, double and float16 become float32
/// (ModelBaker computes in float32: double rounded to nearest, float16 exactly), every integer type and bool is widened
/// to Int64s (the IR's one integer representation; uint64 keeps its 64 bits, so values of 2^63 and above read as
/// negative longs), anything else is refused by name.
/// </summary>
public static class TensorConverter
{
    /// <summary>
    /// Reads an ONNX test-data or calibration file: one serialized TensorProto (`input_0.pb`, `output_0.pb`).
    /// Throws <see cref="BakeException"/> with <see cref="ErrorCodes.ModelNotFound"/> for a missing file and
    /// <see cref="ErrorCodes.ModelUnreadable"/> for one that is not a tensor; callers that read calibration
    /// data may re-throw with their own code.
    /// </summary>
    public static Tensor ReadTensorFile(string pbPath)
    {
        if (!File.Exists(pbPath))
            throw new BakeException(ErrorCodes.ModelNotFound, $"Tensor file '{pbPath}' does not exist.");
        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(pbPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotATensor(pbPath, e.Message);
        }
        // Protobuf happily parses many byte strings as "only unknown fields"; a real tensor states its type.
        if (!proto.HasDataType) throw NotATensor(pbPath, "it has no data_type");
        return ToTensor(proto, Path.GetDirectoryName(Path.GetFullPath(pbPath)) ?? ".");
    }

    /// <summary>Writes <paramref name="tensor"/> as a serialized TensorProto, the format ReadTensorFile reads.</summary>
    public static void WriteTensorFile(Tensor tensor, string pbPath, string name = "")
        => File.WriteAllBytes(pbPath, ToProto(tensor, name).ToByteArray());

    private static BakeException NotATensor(string path, string why) => new(ErrorCodes.ModelUnreadable,
        $"'{path}' is not a serialized ONNX TensorProto ({why}). Test-data and calibration files must be written with onnx.numpy_helper.from_array(array).SerializeToString().");

    /// <summary>"'conv1.weight'", or a placeholder for unnamed tensors, for error messages.</summary>
    internal static string Describe(TensorProto proto) => proto.Name.Length > 0 ? $"'{Text.Printable(proto.Name)}'" : "(unnamed)";

    /// <summary>The IR element type for an ONNX data type; <paramref name="what"/> names the tensor in errors.</summary>
    internal static ElementType ToElementType(int dataType, string what)
    {
        switch (dataType)
        {
            case (int)ElementType.Float32:
            case (int)ElementType.UInt8:
            case (int)ElementType.Int8:
            case (int)ElementType.Int32:
            case (int)ElementType.Int64:
            case (int)ElementType.Bool:
            case (int)ElementType.Int16:
            case (int)ElementType.UInt16:
            case (int)ElementType.UInt32:
            case (int)ElementType.UInt64:
            case (int)ElementType.Float16:
            case (int)ElementType.Double:
                return (ElementType)dataType;
            case var narrow when NarrowTypes.Declared(narrow) is { } declared:
                return declared;
            default:
                string typeName = Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
                    ? ((TensorProto.Types.DataType)dataType).ToString().ToLowerInvariant()
                    : $"data type {dataType}";
                throw new BakeException(ErrorCodes.UnsupportedElementType,
                    $"Tensor {what} has element type {typeName}; ModelBaker supports float32, double, float16, bfloat16, float8 (e8m0 too) and float4e2m1 (computed as float32), int4 and int2 (as int8), uint4 and uint2 (as uint8), int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool. Convert the model to float32 (for example with onnxconverter_common's float16/float64 conversion helpers) and try again.");
        }
    }

    /// <summary>
    /// Decodes a TensorProto. <paramref name="directory"/> is the folder that external data is resolved against
    /// (the model's folder).
    /// </summary>
    internal static Tensor ToTensor(TensorProto proto, string directory)
    {
        string name = Describe(proto);
        var type = ToElementType(proto.DataType, name);
        int[] shape = new int[proto.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > int.MaxValue) throw Damaged(name, $"dimension {i} is {d}");
            shape[i] = (int)d;
        }
        int length;
        try { length = ShapeMath.Length(shape); }
        catch (OverflowException) { throw Damaged(name, "it has more than 2^31 elements"); }

        byte[]? raw = proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External
            ? ExternalData.Read(proto, directory, RawLength(type, length))
            : proto.HasRawData ? proto.RawData.ToByteArray() : null;
        if (NarrowTypes.IsNarrow(type) && type is not (ElementType.Double or ElementType.Float16)) return ToNarrowTensor(proto, raw, type, shape, length, name);

        if (HalfPrecision.IsFloat(type))
        {
            float[] floats = raw != null ? DecodeFloats(raw, type, length, name)
                : type == ElementType.Double ? proto.DoubleData.Select(d => (float)d).ToArray()
                : type == ElementType.Float16 ? proto.Int32Data.Select(bits => HalfPrecision.HalfToFloat((ushort)bits)).ToArray()
                : proto.FloatData.ToArray();
            CheckCount(floats.Length, length, name);
            return Tensor.FromFloats(shape, floats);
        }

        long[] values = raw != null ? DecodeIntegers(raw, type, length, name)
            : type == ElementType.Int64 ? proto.Int64Data.ToArray()
            : type is ElementType.UInt32 or ElementType.UInt64 ? proto.Uint64Data.Select(v => unchecked((long)v)).ToArray()
            : proto.Int32Data.Select(v => type == ElementType.Bool ? (v != 0 ? 1L : 0L) : (long)v).ToArray();
        CheckCount(values.Length, length, name);
        return Tensor.FromInt64s(shape, values, type);
    }

    /// <summary>Raw data bytes of <paramref name="length"/> elements: packed two or four per byte for 4- and 2-bit types.</summary>
    private static long RawLength(ElementType type, int length) => NarrowTypes.PackedBits(type) is int bits and > 0
        ? ((long)length * bits + 7) / 8 : (long)length * Width(type);

    /// <summary>
    /// bfloat16, float8 and float4 as float32 (exactly), int4/uint4/int2/uint2 as int8/uint8 values (sign-extended): raw data
    /// little-endian, 4- and 2-bit types packed low bits first; without raw data, int32_data holds one bfloat16 or float8
    /// element, or one packed byte, per entry.
    /// </summary>
    private static Tensor ToNarrowTensor(TensorProto proto, byte[]? raw, ElementType type, int[] shape, int length, string name)
    {
        int[] codes;
        if (raw != null) CheckCount(raw.Length, RawLength(type, length), name, "bytes");
        int packed = NarrowTypes.PackedBits(type);
        if (type == ElementType.BFloat16)
            codes = raw != null ? Enumerable.Range(0, length).Select(i => raw[2 * i] | raw[2 * i + 1] << 8).ToArray() : proto.Int32Data.ToArray();
        else
        {
            byte[] bytes = raw ?? proto.Int32Data.Select(v => (byte)v).ToArray();
            if (packed == 0) codes = bytes.Select(b => (int)b).ToArray();
            else
            {
                CheckCount(bytes.Length, RawLength(type, length), name, "bytes");
                int perByte = 8 / packed, mask = (1 << packed) - 1;
                codes = Enumerable.Range(0, length).Select(i => (bytes[i / perByte] >> (i % perByte * packed)) & mask).ToArray();
            }
        }
        CheckCount(codes.Length, length, name);
        if (NarrowTypes.Format(type) != null)
            return Tensor.FromFloats(shape, codes.Select(c => NarrowTypes.Decode(type, c)).ToArray()).Declaring(type);
        bool signed = NarrowTypes.IntegerRange(type).Min < 0;
        int shift = 32 - packed;
        return Tensor.FromInt64s(shape, codes.Select(c => signed ? (long)((c << shift) >> shift) : c).ToArray(), NarrowTypes.ComputeType(type))
            .Declaring(type);
    }

    /// <summary>
    /// <paramref name="tensor"/> (float32, or int8/uint8 values) as ONNX data of a narrow type: bfloat16 and float8 as one
    /// byte or two per element, 4- and 2-bit types packed low bits first (what ONNX Runtime and the backend tests read).
    /// </summary>
    private static TensorProto ToNarrowProto(Tensor tensor, ElementType type, string name)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type };
        proto.Dims.AddRange(tensor.Shape.Select(d => (long)d));
        int[] codes = NarrowTypes.Format(type) != null ? tensor.AsFloats().Select(f => NarrowTypes.Encode(type, f)).ToArray()
            : (tensor.Int64s ?? tensor.AsFloats().Select(f => (long)f).ToArray()).Select(v => (int)v).ToArray();
        int packed = NarrowTypes.PackedBits(type);
        byte[] raw;
        if (type == ElementType.BFloat16) raw = codes.SelectMany(c => new[] { (byte)c, (byte)(c >> 8) }).ToArray();
        else if (packed == 0) raw = codes.Select(c => (byte)c).ToArray();
        else
        {
            raw = new byte[RawLength(type, codes.Length)];
            int perByte = 8 / packed, mask = (1 << packed) - 1;
            for (int i = 0; i < codes.Length; i++) raw[i / perByte] |= (byte)((codes[i] & mask) << (i % perByte * packed));
        }
        proto.RawData = ByteString.CopyFrom(raw);
        return proto;
    }

    /// <summary>
    /// Encodes a tensor as raw little-endian data in its own element width (what ONNX Runtime expects); a tensor read as a
    /// narrow type (<see cref="Tensor.DeclaredType"/>) is written back as that type, packed as ONNX packs it.
    /// </summary>
    internal static TensorProto ToProto(Tensor tensor, string name)
    {
        if (tensor.DeclaredType is { } declared) return ToNarrowProto(tensor, declared, name);
        var proto = new TensorProto { Name = name, DataType = (int)tensor.Type };
        proto.Dims.AddRange(tensor.Shape.Select(d => (long)d));
        byte[] raw;
        if (tensor.Floats != null)
        {
            raw = new byte[tensor.Floats.Length * 4];
            Buffer.BlockCopy(tensor.Floats, 0, raw, 0, raw.Length);
            if (!BitConverter.IsLittleEndian) SwapEach(raw, 4);
        }
        else
        {
            long[] v = tensor.Int64s!;
            int width = tensor.Type == ElementType.Bool ? 1 : Width(tensor.Type);
            raw = new byte[v.Length * width];
            for (int i = 0; i < v.Length; i++)
                for (int b = 0; b < width; b++)
                    raw[i * width + b] = (byte)(v[i] >> (8 * b));
        }
        proto.RawData = ByteString.CopyFrom(raw);
        return proto;
    }

    /// <summary>Float32, double (rounded to the nearest float) or float16 (exact) raw data as floats.</summary>
    private static float[] DecodeFloats(byte[] raw, ElementType type, int length, string name)
    {
        int width = Width(type);
        CheckCount(raw.Length, (long)length * width, name, "bytes");
        if (!BitConverter.IsLittleEndian) SwapEach(raw, width);
        var floats = new float[length];
        if (type == ElementType.Float32) Buffer.BlockCopy(raw, 0, floats, 0, raw.Length);
        else if (type == ElementType.Float16)
            for (int i = 0; i < length; i++) floats[i] = HalfPrecision.HalfToFloat(BitConverter.ToUInt16(raw, 2 * i));
        else
            for (int i = 0; i < length; i++) floats[i] = (float)BitConverter.ToDouble(raw, 8 * i);
        return floats;
    }

    /// <summary>Bytes per element of a supported element type in raw data.</summary>
    private static int Width(ElementType type) => type switch
    {
        ElementType.Float32 or ElementType.Int32 or ElementType.UInt32 => 4,
        ElementType.Int64 or ElementType.UInt64 or ElementType.Double => 8,
        ElementType.Int16 or ElementType.UInt16 or ElementType.Float16 or ElementType.BFloat16 => 2,
        _ => 1,
    };

    private static long[] DecodeIntegers(byte[] raw, ElementType type, int length, string name)
    {
        int width = Width(type);
        CheckCount(raw.Length, (long)length * width, name, "bytes");
        var values = new long[length];
        for (int i = 0; i < length; i++)
        {
            int p = i * width;
            values[i] = type switch
            {
                ElementType.UInt8 => raw[p],
                ElementType.Int8 => (sbyte)raw[p],
                ElementType.Bool => raw[p] != 0 ? 1 : 0,
                ElementType.Int32 => raw[p] | raw[p + 1] << 8 | raw[p + 2] << 16 | raw[p + 3] << 24,
                ElementType.Int16 => (short)(raw[p] | raw[p + 1] << 8),
                ElementType.UInt16 => (ushort)(raw[p] | raw[p + 1] << 8),
                ElementType.UInt32 => (uint)(raw[p] | raw[p + 1] << 8 | raw[p + 2] << 16 | raw[p + 3] << 24),
                _ => (long)(raw[p] | (ulong)raw[p + 1] << 8 | (ulong)raw[p + 2] << 16 | (ulong)raw[p + 3] << 24
                    | (ulong)raw[p + 4] << 32 | (ulong)raw[p + 5] << 40 | (ulong)raw[p + 6] << 48 | (ulong)raw[p + 7] << 56),
            };
        }
        return values;
    }

    private static void SwapEach(byte[] bytes, int width)
    {
        for (int i = 0; i < bytes.Length; i += width) Array.Reverse(bytes, i, width);
    }

    private static void CheckCount(long actual, long expected, string name, string unit = "elements")
    {
        if (actual != expected) throw Damaged(name, $"its shape needs {expected} {unit} of data but it holds {actual}");
    }

    private static BakeException Damaged(string name, string why) => new(ErrorCodes.ModelUnreadable,
        $"Tensor {name} is damaged: {why}. Check the model with onnx.checker.check_model(path, full_check=True) and re-export it.");
}
