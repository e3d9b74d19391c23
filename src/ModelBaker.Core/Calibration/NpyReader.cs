using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Calibration;

/// <summary>
/// Reads numpy .npy files (format 1.0–3.0, C order, little-endian float32/float64/int64/int32/uint8/int8).
/// Integer and float64 data are converted to float32; that is what calibration and validation feed.
/// </summary>
public static class NpyReader
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    public static Tensor Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"cannot be read: {e.Message}");
        }
        return Parse(bytes, path);
    }

    public static Tensor Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || !bytes.Take(6).SequenceEqual(Magic)) throw Error(path, "is not a .npy file (no \\x93NUMPY magic)");
        int major = bytes[6];
        int headerLength, headerStart;
        if (major == 1) { headerLength = BitConverter.ToUInt16(bytes, 8); headerStart = 10; }
        else if (major is 2 or 3) { headerLength = BitConverter.ToInt32(bytes, 8); headerStart = 12; }
        else throw Error(path, $"uses .npy format version {major}, which is not supported");
        if (headerStart + headerLength > bytes.Length) throw Error(path, "has a truncated header");
        string header = Encoding.UTF8.GetString(bytes, headerStart, headerLength);

        string descr = Match(header, @"'descr'\s*:\s*'([^']*)'", path);
        bool fortran = Match(header, @"'fortran_order'\s*:\s*(True|False)", path) == "True";
        if (fortran) throw Error(path, "is in Fortran order; save it with numpy.ascontiguousarray first");
        string shapeText = Match(header, @"'shape'\s*:\s*\(([^)]*)\)", path);
        int[] shape = shapeText.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray();

        int count = ShapeMath.Length(shape);
        int offset = headerStart + headerLength;
        var (size, read) = Decoder(descr, path);
        if (offset + (long)count * size > bytes.Length) throw Error(path, $"holds fewer than the {count} elements its shape {ShapeMath.Format(shape)} needs");
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = read(bytes, offset + i * size);
        return Tensor.FromFloats(shape, data);
    }

    private static (int Size, Func<byte[], int, float> Read) Decoder(string descr, string path)
    {
        if (descr.Length > 0 && descr[0] == '>') throw Error(path, $"is big-endian ('{descr}'); save it little-endian");
        return descr.TrimStart('<', '|', '=') switch
        {
            "f4" => (4, (b, i) => BitConverter.ToSingle(b, i)),
            "f8" => (8, (b, i) => (float)BitConverter.ToDouble(b, i)),
            "i8" => (8, (b, i) => BitConverter.ToInt64(b, i)),
            "i4" => (4, (b, i) => BitConverter.ToInt32(b, i)),
            "u1" => (1, (b, i) => b[i]),
            "i1" => (1, (b, i) => (sbyte)b[i]),
            _ => throw Error(path, $"has element type '{descr}'; use float32 (or float64, int64, int32, uint8, int8)"),
        };
    }

    private static string Match(string header, string pattern, string path)
    {
        var m = Regex.Match(header, pattern);
        if (!m.Success) throw Error(path, "has a header without " + pattern.Split('\'')[1]);
        return m.Groups[1].Value;
    }

    private static BakeException Error(string path, string what) =>
        new(ErrorCodes.CalibrationUnreadable, $"'{path}' {what}.");
}
