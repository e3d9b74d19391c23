using System;
using System.Collections.Generic;
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
    /// <summary>numpy's own reader refuses headers above 10,000 bytes unless told otherwise; a megabyte is garbage.</summary>
    private const int MaxHeaderBytes = 1 << 20;

    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    public static Tensor Read(string path)
    {
        var header = ReadHeader(path);
        var data = new float[header.Count];
        int filled = 0;
        foreach (var chunk in ReadChunks(path, header, Math.Max(1, header.Count)))
        {
            Array.Copy(chunk, 0, data, filled, chunk.Length);
            filled += chunk.Length;
        }
        return Tensor.FromFloats(header.Shape, data);
    }

    /// <summary>What the header says: the shape, where the data starts, how to decode one element.</summary>
    public sealed class Header
    {
        internal Header(int[] shape, long dataOffset, int elementSize, Func<byte[], int, float> decode)
        {
            Shape = shape;
            DataOffset = dataOffset;
            ElementSize = elementSize;
            Decode = decode;
        }

        public int[] Shape { get; }
        public int Count => ShapeMath.Length(Shape);
        internal long DataOffset { get; }
        internal int ElementSize { get; }
        internal Func<byte[], int, float> Decode { get; }
    }

    public static Header ReadHeader(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var prefix = new byte[12];
            int got = stream.Read(prefix, 0, prefix.Length);
            if (got < 10 || !prefix.Take(6).SequenceEqual(Magic)) throw Error(path, "is not a .npy file (no \\x93NUMPY magic)");
            int major = prefix[6];
            int headerLength, headerStart;
            if (major == 1) { headerLength = BitConverter.ToUInt16(prefix, 8); headerStart = 10; }
            else if (major is 2 or 3) { headerLength = BitConverter.ToInt32(prefix, 8); headerStart = 12; }
            else throw Error(path, $"uses .npy format version {major}, which is not supported");
            if (headerLength < 0 || headerStart + (long)headerLength > stream.Length) throw Error(path, "has a truncated header");
            if (headerLength > MaxHeaderBytes) throw Error(path, $"has a header of {headerLength:N0} bytes; numpy writes a few hundred");
            var headerBytes = new byte[headerLength];
            stream.Position = headerStart;
            if (stream.Read(headerBytes, 0, headerLength) != headerLength) throw Error(path, "has a truncated header");
            string header = Encoding.UTF8.GetString(headerBytes);

            string descr = Match(header, @"'descr'\s*:\s*'([^']*)'", path);
            bool fortran = Match(header, @"'fortran_order'\s*:\s*(True|False)", path) == "True";
            if (fortran) throw Error(path, "is in Fortran order; save it with numpy.ascontiguousarray first");
            string shapeText = Match(header, @"'shape'\s*:\s*\(([^)]*)\)", path);
            int[] shape = ParseShape(shapeText, path);
            var (size, decode) = Decoder(descr, path);
            long dataOffset = headerStart + headerLength;
            long count = shape.Aggregate(1L, (product, d) => product * d); // ParseShape keeps this below 2^31
            if (dataOffset + count * size > stream.Length)
                throw Error(path, $"holds fewer than the {count} elements its shape {ShapeMath.Format(shape)} needs");
            return new Header(shape, dataOffset, size, decode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"cannot be read: {e.Message}");
        }
    }

    /// <summary>The data in chunks of <paramref name="chunkElements"/> floats, read from disk as they are needed.</summary>
    public static IEnumerable<float[]> ReadChunks(string path, Header header, int chunkElements)
    {
        using var stream = File.OpenRead(path);
        stream.Position = header.DataOffset;
        var buffer = new byte[chunkElements * header.ElementSize];
        for (int done = 0; done < header.Count; done += chunkElements)
        {
            int elements = Math.Min(chunkElements, header.Count - done);
            int bytes = elements * header.ElementSize, read = 0;
            while (read < bytes)
            {
                int n = stream.Read(buffer, read, bytes - read);
                if (n == 0) throw Error(path, "ended before its data did");
                read += n;
            }
            var chunk = new float[elements];
            for (int i = 0; i < elements; i++) chunk[i] = header.Decode(buffer, i * header.ElementSize);
            yield return chunk;
        }
    }

    /// <summary>"200, 64" or "200," or "": dimensions that are whole, not negative, and whose product fits an int.</summary>
    private static int[] ParseShape(string text, string path)
    {
        var parts = text.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()).Where(p => p.Length > 0).ToArray();
        var shape = new int[parts.Length];
        long product = 1;
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long d) || d < 0)
                throw Error(path, $"has a header whose shape ({Text.Printable(text)}) is not a list of non-negative whole numbers");
            if (d > int.MaxValue || (product = product * d) > int.MaxValue)
                throw Error(path, $"has shape ({Text.Printable(text)}), more than the 2^31 − 1 elements ModelBaker reads");
            shape[i] = (int)d;
        }
        return shape;
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
            _ => throw Error(path, $"has element type '{Text.Printable(descr)}'; use float32 (or float64, int64, int32, uint8, int8)"),
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
