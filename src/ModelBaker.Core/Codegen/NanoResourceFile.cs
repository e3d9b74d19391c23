using System;
using System.IO;
using System.Text;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// The weight resource of a nanoFramework class (WeightStorage="Resource", docs/nanoframework.md#weights-in-flash): a
/// .NET <c>.resources</c> file holding one binary entry, the class's weight blob. nanoFramework's MetadataProcessor reads
/// every embedded <c>X.resources</c> with .NET's ResourceReader and stores its binary entries in the device assembly as
/// <c>X.nanoresources</c>, each under a 16-bit id made from its name (<see cref="ResourceId"/>); on the device
/// <c>ResourceUtility.GetObject(manager, id, offset, length)</c> copies a slice out of flash. .NET's ResourceManager reads
/// the same file, which is how the tests run the class on a PC.
/// <para>
/// Written here rather than with ResourceWriter so that the bytes are the same on every machine and runtime (the
/// format: System.Resources.ResourceReader's "version 2" layout, with one entry of ResourceTypeCode.ByteArray).
/// </para>
/// </summary>
public static class NanoResourceFile
{
    /// <summary>The manifest resource name the assembly embeds for a resource base name (what ResourceManager looks up).</summary>
    public static string ManifestName(string baseName) => baseName + ".resources";

    /// <summary>A <c>.resources</c> file with one entry: <paramref name="name"/> → <paramref name="data"/> (a byte[]).</summary>
    public static byte[] Write(string name, byte[] data)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, new UTF8Encoding(false));
        // Resource manager header: magic, version, then the reader and set types (skippable by their byte count).
        w.Write(unchecked((int)0xBEEFCACE));
        w.Write(1);
        using (var types = new MemoryStream())
        using (var t = new BinaryWriter(types, new UTF8Encoding(false)))
        {
            t.Write("System.Resources.ResourceReader, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089");
            t.Write("System.Resources.RuntimeResourceSet");
            t.Flush();
            w.Write((int)types.Length);
            w.Write(types.ToArray());
        }
        // Reader header: version 2, one resource, no type names (a byte array has a type code of its own).
        w.Write(2);
        w.Write(1);
        w.Write(0);
        // Padding to 8 bytes, with the "PAD" pattern the reader skips.
        const string pad = "PAD";
        for (int i = 0; (stream.Position & 7) != 0; i++) w.Write((byte)pad[i % 3]);
        // Name hashes (sorted; one), name positions (one, at 0), the data section's offset.
        byte[] nameBytes = Encoding.Unicode.GetBytes(name);
        w.Write(NameHash(name));
        w.Write(0);
        long nameSectionLength = SevenBitLength(nameBytes.Length) + nameBytes.Length + 4;
        w.Write((int)(stream.Position + 4 + nameSectionLength));
        // Name section: the UTF-16 name and its entry's offset in the data section.
        Write7BitEncodedInt(w, nameBytes.Length);
        w.Write(nameBytes);
        w.Write(0);
        // Data section: ResourceTypeCode.ByteArray (0x20), the length, the bytes.
        Write7BitEncodedInt(w, 0x20);
        w.Write(data.Length);
        w.Write(data);
        w.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// The id nanoFramework gives a resource of this name: MetadataProcessor hashes the name (two interleaved djb2-style
    /// hashes over the even and odd characters, combined and folded to 16 bits), and the device finds the resource by
    /// that id — the value of the enum a .nfproj's generated Resources class passes to ResourceUtility.GetObject.
    /// </summary>
    public static short ResourceId(string name)
    {
        unchecked
        {
            int even = (5381 << 16) + 5381, odd = even;
            for (int i = 0; i < name.Length; i++)
            {
                if (i % 2 == 0) even = ((even << 5) + even) ^ name[i];
                else odd = ((odd << 5) + odd) ^ name[i];
            }
            int hash = even + odd * 1566083941;
            return (short)((short)(hash >> 16) ^ (short)hash);
        }
    }

    /// <summary>The hash .NET's ResourceReader sorts and finds names by (djb2 with xor, on UTF-16 code units).</summary>
    private static int NameHash(string name)
    {
        unchecked
        {
            uint hash = 5381;
            foreach (char c in name) hash = ((hash << 5) + hash) ^ c;
            return (int)hash;
        }
    }

    private static int SevenBitLength(int value)
    {
        int bytes = 1;
        for (uint v = (uint)value; v >= 0x80; v >>= 7) bytes++;
        return bytes;
    }

    private static void Write7BitEncodedInt(BinaryWriter w, int value)
    {
        uint v = (uint)value;
        for (; v >= 0x80; v >>= 7) w.Write((byte)(v | 0x80));
        w.Write((byte)v);
    }
}
