using System;
using System.IO;
using System.Text;

namespace ModelBaker.Benchmarks;

/// <summary>Just enough .npy reading (little-endian float32 or uint8, format 1.0) for the benchmarks' inputs.</summary>
internal static class Npy
{
    public static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        int offset = 10 + headerLength;
        if (header.Contains("'|u1'"))
        {
            // Pixels 0..255 (mnist-8's test images), as the float values the model takes.
            var pixels = new float[bytes.Length - offset];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[offset + i];
            return pixels;
        }
        if (!header.Contains("'<f4'")) throw new InvalidDataException($"{path} is neither little-endian float32 nor uint8.");
        var values = new float[(bytes.Length - offset) / 4];
        Buffer.BlockCopy(bytes, offset, values, 0, values.Length * 4);
        return values;
    }
}
