using System;
using System.IO;
using System.Text;

namespace ModelBaker.Benchmarks;

/// <summary>Just enough .npy reading (little-endian float32, format 1.0) for the benchmark's input.</summary>
internal static class Npy
{
    public static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        if (!header.Contains("'<f4'")) throw new InvalidDataException($"{path} is not little-endian float32.");
        int offset = 10 + headerLength;
        var values = new float[(bytes.Length - offset) / 4];
        Buffer.BlockCopy(bytes, offset, values, 0, values.Length * 4);
        return values;
    }
}
