using System.IO;
using System.Text;

namespace ModelBaker.Core.Calibration;

/// <summary>
/// Writes what <see cref="NpyReader"/> reads: rows of float32 as a two-dimensional .npy file (format 1.0, C order),
/// for tools and tests that make calibration or validation data.
/// </summary>
public static class NpyWriter
{
    public static void Write(string path, float[][] rows)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Length}, {rows[0].Length}), }}";
        header = header.PadRight((header.Length + 11 + 63) / 64 * 64 - 11) + "\n"; // magic, version and length take 10 bytes
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        foreach (var row in rows) foreach (float v in row) writer.Write(v);
    }
}
