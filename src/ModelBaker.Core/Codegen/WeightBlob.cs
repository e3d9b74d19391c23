using System;
using System.IO;
using System.Security.Cryptography;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// The weight resource of a generated .NET class (WeightStorage="Resource", docs/compression.md#weight-storage): its
/// large constant arrays as little-endian bytes, each at an offset aligned to 8, after a 16-byte header — ASCII "MBW1"
/// and the first 12 bytes of the SHA-256 of the rest. The class holds its own copy of the header and refuses a resource
/// from another bake rather than misread it. Arrays are added in emission order, so the same plan gives the same bytes.
/// </summary>
public sealed class WeightBlob
{
    public const int HeaderBytes = 16;

    /// <summary>
    /// Smaller arrays stay initializers: they cost the compiler nothing and keep the short tables (zero points, shifts,
    /// lookup bounds) readable in the class where the step uses them.
    /// </summary>
    public const int MinArrayBytes = 256;

    private readonly MemoryStream _payload = new();

    /// <summary>No array went into the blob: the class reads no resource.</summary>
    public bool IsEmpty => _payload.Length == 0;

    /// <summary>Bytes of the whole resource, header included.</summary>
    public int Length => HeaderBytes + (int)_payload.Length;

    /// <summary>Appends <paramref name="littleEndian"/> at the next offset aligned to 8 and returns that offset in the resource.</summary>
    public int Add(byte[] littleEndian)
    {
        while (_payload.Length % 8 != 0) _payload.WriteByte(0);
        int offset = Length;
        _payload.Write(littleEndian, 0, littleEndian.Length);
        return offset;
    }

    /// <summary>The 16 header bytes: "MBW1" and the digest of everything added (call once all arrays are in).</summary>
    public byte[] Header()
    {
        var header = new byte[HeaderBytes];
        header[0] = (byte)'M'; header[1] = (byte)'B'; header[2] = (byte)'W'; header[3] = (byte)'1';
        using var sha = SHA256.Create();
        Array.Copy(sha.ComputeHash(_payload.ToArray()), 0, header, 4, HeaderBytes - 4);
        return header;
    }

    /// <summary>The resource as the build embeds it: header, then the arrays.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Array.Copy(Header(), bytes, HeaderBytes);
        Array.Copy(_payload.ToArray(), 0, bytes, HeaderBytes, (int)_payload.Length);
        return bytes;
    }

    /// <summary>A primitive array (float, sbyte, byte, short, ushort, int, long, bool) as little-endian bytes on any machine.</summary>
    public static byte[] LittleEndian(Array values)
    {
        var bytes = new byte[Buffer.ByteLength(values)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        int size = values.Length == 0 ? 1 : bytes.Length / values.Length;
        if (!BitConverter.IsLittleEndian && size > 1)
            for (int i = 0; i < bytes.Length; i += size) Array.Reverse(bytes, i, size);
        return bytes;
    }
}
