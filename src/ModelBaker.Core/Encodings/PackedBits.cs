using System;
using System.Collections.Generic;

namespace ModelBaker.Core.Encodings;

/// <summary>Bit packing the encodings share at bake time: non-zero masks and packed codebook indices.</summary>
public static class PackedBits
{
    /// <summary>Per unit, a bit per weight (1 = non-zero), least significant bit first, (depth + 7) / 8 bytes.</summary>
    public static byte[] NonZeroMask(sbyte[] weights, int units, int depth)
    {
        int perUnit = (depth + 7) / 8;
        var mask = new byte[units * perUnit];
        for (int n = 0; n < units; n++)
            for (int k = 0; k < depth; k++)
                if (weights[n * depth + k] != 0) mask[n * perUnit + k / 8] |= (byte)(1 << (k % 8));
        return mask;
    }

    /// <summary>Bits per code: 4 for 16 codes, 8 for 256.</summary>
    public static int BitsFor(int codes)
    {
        int bits = 1;
        while ((1 << bits) < codes) bits++;
        return bits;
    }

    /// <summary>Each code in <paramref name="bits"/> bits, little-endian, in order.</summary>
    public static byte[] Pack(IEnumerable<int> codes, int bits, int count)
    {
        var packed = new byte[(count * bits + 7) / 8];
        int position = 0;
        foreach (int code in codes)
        {
            if (code < 0) throw new InvalidOperationException("A clustered weight is not in its codebook.");
            for (int b = 0; b < bits; b++, position++)
                if ((code & (1 << b)) != 0) packed[position / 8] |= (byte)(1 << (position % 8));
        }
        return packed;
    }
}
