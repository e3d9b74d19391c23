using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml ArrayFeatureExtractor with indices computed at run time (a TopK's indices, an ArgMax): the data seen as
/// [rows, stride], output[r, j] = data[r, indices[j]]. The data is a constant baked into the class (a nearest-neighbour
/// model's training labels) or a tensor of the arena; any element type. An index outside [0, stride) throws, as ONNX
/// Runtime fails on it. (Constant indices lower to a <see cref="Remap"/> instead.)
/// </summary>
public sealed class ColumnSelection : FloatOnlyKernel
{
    public ColumnSelection(string source, ArenaSlice? data, Array? constantData, ArenaSlice indices, ArenaSlice output, int rows, int stride)
        : base(source)
    {
        if ((data == null) == (constantData == null)) throw new ArgumentException("Give the data either as a slice or as a constant.");
        Data = data;
        ConstantData = constantData;
        Indices = indices;
        Output = output;
        Rows = rows;
        Stride = stride;
    }

    public ArenaSlice? Data { get; }
    public Array? ConstantData { get; }
    public ArenaSlice Indices { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Stride { get; }
    public int Count => Output.Length / Math.Max(Rows, 1);

    public override string FloatOnlyReason => ClassicalSteps.FloatOnlyReason("ArrayFeatureExtractor with indices computed at run time");

    public override KernelKind Kind => KernelKind.ColumnSelection;
    public override IEnumerable<ArenaSlice> Reads => Data != null ? new[] { Data, Indices } : new[] { Indices };
    public override int WeightBytes => ConstantData == null ? 0 : ConstantData.Length * Arenas.Size(TypedArrays.TypeOf(ConstantData));
    public override IEnumerable<string> Helpers => new[] { nameof(ColumnSelection) };

    public override void Run(PlanArena arena)
    {
        switch (Output.Type)
        {
            case ElementType.Float32: Run<float>(arena); break;
            case ElementType.Int32: Run<int>(arena); break;
            case ElementType.Int64: Run<long>(arena); break;
            case ElementType.Int16: Run<short>(arena); break;
            case ElementType.UInt16: Run<ushort>(arena); break;
            case ElementType.UInt32: Run<uint>(arena); break;
            case ElementType.UInt64: Run<ulong>(arena); break;
            case ElementType.Int8: Run<sbyte>(arena); break;
            case ElementType.UInt8: Run<byte>(arena); break;
            default: Run<bool>(arena); break;
        }
    }

    private void Run<T>(PlanArena arena) where T : struct =>
        SelectColumns<T>(Data != null ? arena.Of<T>(Data) : (T[])ConstantData!, Rows, Stride, arena.Of<long>(Indices), arena.Of<T>(Output));

    // <emit>
    /// <summary>output[r, j] = data[r, indices[j]] for [rows, stride] data; an index outside [0, stride) throws.</summary>
    public static void SelectColumns<T>(ReadOnlySpan<T> data, int rows, int stride, ReadOnlySpan<long> indices, Span<T> output)
    {
        for (int j = 0; j < indices.Length; j++)
            if (indices[j] < 0 || indices[j] >= stride)
                throw new ArgumentOutOfRangeException(nameof(indices), "ArrayFeatureExtractor index " + indices[j] + " is outside [0, " + stride + ").");
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < indices.Length; j++)
                output[r * indices.Length + j] = data[r * stride + (int)indices[j]];
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte(Data != null ? (byte)1 : (byte)0);
        if (Data != null) w.Slice(Data);
        else TypedArrays.Write(w, ConstantData!);
        w.Slice(Indices); w.Slice(Output); w.Int(Rows); w.Int(Stride);
    }

    public static ColumnSelection Read(PlanBinaryReader r, string source)
    {
        bool slice = r.Byte() == 1;
        var data = slice ? r.Slice() : null;
        var constant = slice ? null : TypedArrays.Read(r);
        return new ColumnSelection(source, data, constant, r.Slice(), r.Slice(), r.Int(), r.Int());
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"SelectColumns<{Arenas.CSharpType(Output.Type)}>({(Data != null ? Data.Expression(code) : name + "Data")}, rows: {Rows}, stride: {Stride}, " +
                  $"{Indices.Expression(code)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        if (ConstantData != null) TypedArrays.Emit(code, $"{name}Data", ConstantData, "the data columns are selected from");
    }
}
