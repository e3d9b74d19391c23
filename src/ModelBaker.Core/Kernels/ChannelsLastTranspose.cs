using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// An int8 tensor [batch, channels, pixels] moved into channels-last order [batch, pixels, channels], or back: where a
/// channels-last stretch of the plan begins (after the model's input, or a step with no channels-last form) and where
/// it ends (before the model's outputs, a Flatten, …). See Compression/ChannelsLastLayout.cs.
/// </summary>
public sealed class ChannelsLastTranspose : Int8Kernel
{
    public ChannelsLastTranspose(string source, ArenaSlice input, ArenaSlice output, int batch, int channels, int pixels, bool toChannelsLast) : base(source)
    {
        if (input.Length != batch * channels * pixels || output.Length != input.Length)
            throw new ArgumentException($"A layout change of [{batch}, {channels}, {pixels}] needs slices of {batch * channels * pixels} elements.");
        Input = input;
        Output = output;
        Batch = batch;
        Channels = channels;
        Pixels = pixels;
        ToChannelsLast = toChannelsLast;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Batch { get; }
    public int Channels { get; }
    /// <summary>Height × width.</summary>
    public int Pixels { get; }
    /// <summary>Channels first to channels last (true), or back.</summary>
    public bool ToChannelsLast { get; }

    public override KernelKind Kind => KernelKind.ChannelsLastTranspose;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(ChannelsLastTranspose) };

    public override void Run(PlanArena arena) =>
        Transpose(arena.Int8s(Input), Batch, ToChannelsLast ? Channels : Pixels, ToChannelsLast ? Pixels : Channels, arena.Int8s(Output));

    // <emit>
    /// <summary>output[n, j, i] = input[n, i, j] for i &lt; rows, j &lt; columns: each item's rows × columns matrix transposed.</summary>
    public static void Transpose(ReadOnlySpan<sbyte> input, int batch, int rows, int columns, Span<sbyte> output)
    {
        int size = rows * columns;
        if (input.Length < batch * size || output.Length < batch * size) throw new ArgumentException("The tensors do not hold the matrices.");
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<sbyte> from = input.Slice(n * size, size);
            Span<sbyte> to = output.Slice(n * size, size);
            int first = 0;
#if NET8_0_OR_GREATER
            if (rows >= 2 && rows <= 4 && System.Runtime.Intrinsics.X86.Ssse3.IsSupported) first = InterleaveRows(from, rows, columns, to);
#endif
            for (int j = first; j < columns; j++)
                for (int i = 0; i < rows; i++)
                    to[j * rows + i] = from[i * columns + j];
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// A few rows (an image's colour channels) interleaved sixteen columns at a time: output vector k takes byte b from row
    /// (16k + b) mod rows, column (16k + b) / rows — one pshufb per row and output vector, the other rows' bytes zeroed (index
    /// 0x80) and the results or-ed. Returns the columns done.
    /// </summary>
    private static int InterleaveRows(ReadOnlySpan<sbyte> from, int rows, int columns, Span<sbyte> to)
    {
        Span<byte> indices = stackalloc byte[4 * 4 * 16];
        for (int k = 0; k < rows; k++)
            for (int i = 0; i < rows; i++)
                for (int b = 0; b < 16; b++)
                {
                    int g = 16 * k + b;
                    indices[(k * rows + i) * 16 + b] = g % rows == i ? (byte)(g / rows) : (byte)0x80;
                }
        ref sbyte source = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(from);
        ref sbyte target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(to);
        ref byte index = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(indices);
        int j = 0;
        for (; j <= columns - 16; j += 16)
            for (int k = 0; k < rows; k++)
            {
                var bytes = System.Runtime.Intrinsics.Vector128<sbyte>.Zero;
                for (int i = 0; i < rows; i++)
                    bytes |= System.Runtime.Intrinsics.X86.Ssse3.Shuffle(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref source, (nuint)(i * columns + j)),
                        System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref index, (nuint)((k * rows + i) * 16))));
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(bytes, ref target, (nuint)(j * rows + 16 * k));
            }
        return j;
    }
#endif
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Batch); w.Int(Channels); w.Int(Pixels); w.Int(ToChannelsLast ? 1 : 0);
    }

    public static ChannelsLastTranspose Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int() != 0);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Transpose({Input.Expression(code)}, batch: {Batch}, rows: {(ToChannelsLast ? Channels : Pixels)}, columns: {(ToChannelsLast ? Pixels : Channels)}, {Output.Expression(code)}); " +
                  $"// {(ToChannelsLast ? "channels first → channels last" : "channels last → channels first")}");

    public override void EmitData(CodeWriter code, string name) { }
}
