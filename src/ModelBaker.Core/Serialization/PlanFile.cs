using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;

namespace ModelBaker.Core.Serialization;

/// <summary>
/// Reads and writes baked plans (docs/plan-format.md): the magic "MBPLAN", a format version, the header,
/// inputs, outputs, arena length and tagged kernels. Everything is little-endian and written in a fixed
/// order, so the same bake gives byte-identical files.
/// </summary>
public static class PlanFile
{
    /// <summary>Bump on any change of the layout; readers refuse other versions rather than misread them.</summary>
    public const int FormatVersion = 22;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("MBPLAN");

    public static byte[] ToBytes(BakedPlan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new PlanBinaryWriter(stream))
        {
            foreach (byte b in Magic) w.Byte(b);
            w.Int(FormatVersion);
            var h = plan.Header;
            w.String(h.ProducerVersion); w.String(h.ModelFileName); w.String(h.ModelSha256);
            w.String(h.Namespace); w.String(h.ClassName);
            w.Byte((byte)h.Precision); w.Float(h.Sparsity); w.Long(h.FloatWeightBytes); w.Byte((byte)h.Target);
            w.String(h.WeightResource);
            WriteTensors(w, plan.Inputs);
            WriteTensors(w, plan.Outputs);
            w.Int(plan.ArenaLengths.Count);
            foreach (var arena in plan.ArenaLengths)
            {
                w.Byte((byte)arena.Key);
                w.Int(arena.Value);
            }
            w.Int(plan.Kernels.Count);
            foreach (var kernel in plan.Kernels)
            {
                w.Byte((byte)kernel.Kind);
                w.Byte((byte)((int)kernel.Kind >> 8));
                w.String(kernel.Source);
                kernel.WritePayload(w);
            }
        }
        return stream.ToArray();
    }

    /// <exception cref="PlanFormatException">Not a plan, a plan of another format version, or truncated.</exception>
    public static BakedPlan Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var r = new PlanBinaryReader(stream);
        try
        {
            foreach (byte b in Magic)
                if (r.Byte() != b) throw new PlanFormatException("not a ModelBaker plan (bad magic)");
            int version = r.Int();
            if (version != FormatVersion)
                throw new PlanFormatException($"plan format version {version}, but this generator reads version {FormatVersion}; rebuild so the plan is baked again by the same ModelBaker version", versionMismatch: true);
            var header = new PlanHeader(r.String(), r.String(), r.String(), r.String(), r.String(),
                (Precision)r.Byte(), r.Float(), r.Long()) { Target = (CodeTarget)r.Byte(), WeightResource = r.String() };
            var inputs = ReadTensors(r);
            var outputs = ReadTensors(r);
            int arenas = r.Int();
            var arenaLengths = new Dictionary<ElementType, int>();
            for (int i = 0; i < arenas; i++) arenaLengths[(ElementType)r.Byte()] = r.Int();
            int count = r.Int();
            var kernels = new List<Kernel>(Math.Min(count, 4096));
            for (int i = 0; i < count; i++) kernels.Add(ReadKernel(r));
            if (stream.Position != stream.Length) throw new PlanFormatException("unexpected bytes after the last kernel");
            return new BakedPlan(header, inputs, outputs, arenaLengths, kernels);
        }
        catch (EndOfStreamException) { throw new PlanFormatException("the file is truncated"); }
        catch (InvalidDataException e) { throw new PlanFormatException(e.Message); }
    }

    private static Kernel ReadKernel(PlanBinaryReader r)
    {
        var kind = (KernelKind)(r.Byte() | r.Byte() << 8);
        string source = r.String();
        return kind switch
        {
            KernelKind.FullyConnectedInt8 => FullyConnectedInt8.Read(r, source),
            KernelKind.LookupInt8 => LookupInt8.Read(r, source),
            KernelKind.SoftmaxInt8 => SoftmaxInt8.Read(r, source),
            KernelKind.ConvInt8 => ConvInt8.Read(r, source),
            KernelKind.ConvInt8ChannelsLast => ConvInt8ChannelsLast.Read(r, source),
            KernelKind.PoolInt8ChannelsLast => PoolInt8ChannelsLast.Read(r, source),
            KernelKind.ChannelsLastTranspose => ChannelsLastTranspose.Read(r, source),
            KernelKind.PoolInt8 => PoolInt8.Read(r, source),
            KernelKind.AveragePoolInt8 => AveragePoolInt8.Read(r, source),
            KernelKind.ChannelAffineInt8 => ChannelAffineInt8.Read(r, source),
            KernelKind.FullyConnectedFloat => FullyConnectedFloat.Read(r, source),
            KernelKind.UnaryFloat => UnaryFloat.Read(r, source),
            KernelKind.SoftmaxFloat => SoftmaxFloat.Read(r, source),
            KernelKind.BinaryInt8 => BinaryInt8.Read(r, source),
            KernelKind.LogSoftmaxInt8 => LogSoftmaxInt8.Read(r, source),
            KernelKind.ReduceInt8 => ReduceInt8.Read(r, source),
            KernelKind.ArgMaxInt8 => ArgMaxInt8.Read(r, source),
            KernelKind.BinaryFloat => BinaryFloat.Read(r, source),
            KernelKind.BinaryInteger => BinaryInteger.Read(r, source),
            KernelKind.ReduceFloat => ReduceFloat.Read(r, source),
            KernelKind.ArgMaxFloat => ArgMaxFloat.Read(r, source),
            KernelKind.ConcatInt8 => ConcatInt8.Read(r, source),
            KernelKind.Remap => Remap.Read(r, source),
            KernelKind.MaxPoolIndices => MaxPoolIndices.Read(r, source),
            KernelKind.Concat => Concat.Read(r, source),
            KernelKind.Conversion => Conversion.Read(r, source),
            KernelKind.ConvFloat => ConvFloat.Read(r, source),
            KernelKind.PoolFloat => PoolFloat.Read(r, source),
            KernelKind.ChannelAffineFloat => ChannelAffineFloat.Read(r, source),
            KernelKind.BatchStatisticsFloat => BatchStatisticsFloat.Read(r, source),
            KernelKind.LrnFloat => LrnFloat.Read(r, source),
            KernelKind.ConvTransposeFloat => ConvTransposeFloat.Read(r, source),
            KernelKind.ConvTransposeInt8 => ConvTransposeInt8.Read(r, source),
            KernelKind.ResizeLinearFloat => ResizeLinearFloat.Read(r, source),
            KernelKind.ResizeTapsFloat => ResizeTapsFloat.Read(r, source),
            KernelKind.ResizeTapsInt8 => ResizeTapsInt8.Read(r, source),
            KernelKind.CastInt8 => CastInt8.Read(r, source),
            KernelKind.LayerNormFloat => LayerNormFloat.Read(r, source),
            KernelKind.LayerNormStatisticsFloat => LayerNormStatisticsFloat.Read(r, source),
            KernelKind.LayerNormInt8 => LayerNormInt8.Read(r, source),
            KernelKind.LayerNormStatisticsInt8 => LayerNormStatisticsInt8.Read(r, source),
            KernelKind.LstmInt8 => LstmInt8.Read(r, source),
            KernelKind.GruInt8 => GruInt8.Read(r, source),
            KernelKind.RnnInt8 => RnnInt8.Read(r, source),
            KernelKind.MatMulFloat => MatMulFloat.Read(r, source),
            KernelKind.MatMulInt8 => MatMulInt8.Read(r, source),
            KernelKind.TreeEnsembleFloat => TreeEnsembleFloat.Read(r, source),
            KernelKind.TreeScoresFloat => TreeScoresFloat.Read(r, source),
            KernelKind.TreeEnsembleInt8 => TreeEnsembleInt8.Read(r, source),
            KernelKind.TreeScoresInt8 => TreeScoresInt8.Read(r, source),
            KernelKind.TreeScoresDequantized => TreeScoresDequantized.Read(r, source),
            KernelKind.RecurrentFloat => RecurrentFloat.Read(r, source),
            KernelKind.ScoreTransformFloat => ScoreTransformFloat.Read(r, source),
            KernelKind.ClassLabelFloat => ClassLabelFloat.Read(r, source),
            KernelKind.ClassLabelInt8 => ClassLabelInt8.Read(r, source),
            KernelKind.WidenedScoresInt8 => WidenedScoresInt8.Read(r, source),
            KernelKind.SoftmaxZeroInt8 => SoftmaxZeroInt8.Read(r, source),
            KernelKind.SupportVectorKernelInt8 => SupportVectorKernelInt8.Read(r, source),
            KernelKind.ZipMapFloat => ZipMapFloat.Read(r, source),
            KernelKind.FeatureMapFloat => FeatureMapFloat.Read(r, source),
            KernelKind.NormalizerFloat => NormalizerFloat.Read(r, source),
            KernelKind.NormalizerInt8 => NormalizerInt8.Read(r, source),
            KernelKind.HalfRounding => HalfRounding.Read(r, source),
            KernelKind.SmallFloatRounding => SmallFloatRounding.Read(r, source),
            KernelKind.IntegerNarrowing => IntegerNarrowing.Read(r, source),
            KernelKind.ColumnSelection => ColumnSelection.Read(r, source),
            KernelKind.OneHotEncoderFloat => OneHotEncoderFloat.Read(r, source),
            KernelKind.LabelEncoderInteger => LabelEncoderInteger.Read(r, source),
            KernelKind.SupportVectorKernelFloat => SupportVectorKernelFloat.Read(r, source),
            KernelKind.OneVsOneFloat => OneVsOneFloat.Read(r, source),
            KernelKind.PairwiseProbabilityFloat => PairwiseProbabilityFloat.Read(r, source),
            KernelKind.PairwiseProbabilityInt8 => PairwiseProbabilityInt8.Read(r, source),
            KernelKind.LinearQuantization => LinearQuantization.Read(r, source),
            KernelKind.RunTimeQuantization => RunTimeQuantization.Read(r, source),
            KernelKind.LinearDequantization => LinearDequantization.Read(r, source),
            KernelKind.IntegerConv => IntegerConv.Read(r, source),
            KernelKind.IntegerMatMul => IntegerMatMul.Read(r, source),
            KernelKind.Requantization => Requantization.Read(r, source),
            KernelKind.FloatIslandEntry => FloatIslandEntry.Read(r, source),
            KernelKind.FloatIslandExit => FloatIslandExit.Read(r, source),
            KernelKind.Predicate => Predicate.Read(r, source),
            KernelKind.Select => Select.Read(r, source),
            KernelKind.GatherIndexed => GatherIndexed.Read(r, source),
            KernelKind.OneHot => OneHotKernel.Read(r, source),
            KernelKind.TopKIndices => TopKIndices.Read(r, source),
            KernelKind.ArgMinFloat => ArgMaxFloat.Read(r, source, smallest: true),
            KernelKind.ArgMinInt8 => ArgMaxInt8.Read(r, source, smallest: true),
            _ => throw new PlanFormatException($"unknown kernel tag {(byte)kind}"),
        };
    }

    private static void WriteTensors(PlanBinaryWriter w, IReadOnlyList<PlanTensor> tensors)
    {
        w.Int(tensors.Count);
        foreach (var t in tensors)
        {
            // The type byte's top bits say per-feature parameters and NaN replacements follow (plans without them read as before).
            w.String(t.Name); w.Byte((byte)((byte)t.Type | (t.PerFeature ? PerFeatureBit : 0) | (t.MissingValues != null ? MissingValuesBit : 0) | (t.MissingCode ? MissingCodeBit : 0)));
            w.Ints(t.Shape); w.Slice(t.Slice); w.Double(t.Scale); w.Int(t.ZeroPoint);
            if (t.PerFeature)
            {
                w.Int(t.FeatureScales!.Length);
                foreach (double scale in t.FeatureScales) w.Double(scale);
                w.Ints(t.FeatureZeroPoints!);
            }
            if (t.MissingValues != null) w.Floats(t.MissingValues);
        }
    }

    private const byte PerFeatureBit = 0x80, MissingValuesBit = 0x40, MissingCodeBit = 0x20;

    private static PlanTensor ReadTensor(PlanBinaryReader r)
    {
        string name = r.String();
        byte type = r.Byte();
        var tensor = new PlanTensor(name, (ElementType)(type & ~(PerFeatureBit | MissingValuesBit | MissingCodeBit)), r.Ints(), r.Slice(), r.Double(), r.Int());
        double[]? scales = null;
        int[]? zeroPoints = null;
        if ((type & PerFeatureBit) != 0)
        {
            int count = r.Int();
            if (count < 1 || count > 1 << 24) throw new PlanFormatException($"tensor '{name}' has {count} per-feature scales");
            scales = new double[count];
            for (int i = 0; i < count; i++) scales[i] = r.Double();
            zeroPoints = r.Ints();
            if (zeroPoints.Length != count) throw new PlanFormatException($"tensor '{name}' has {count} per-feature scales and {zeroPoints.Length} zero points");
        }
        float[]? missing = (type & MissingValuesBit) != 0 ? r.Floats() : null;
        if (missing is { Length: 0 }) throw new PlanFormatException($"tensor '{name}' has an empty list of NaN replacements");
        bool missingCode = (type & MissingCodeBit) != 0;
        return scales == null && missing == null && !missingCode ? tensor
            : new PlanTensor(tensor.Name, tensor.Type, tensor.Shape, tensor.Slice, tensor.Scale, tensor.ZeroPoint)
                { FeatureScales = scales, FeatureZeroPoints = zeroPoints, MissingValues = missing, MissingCode = missingCode };
    }

    private static List<PlanTensor> ReadTensors(PlanBinaryReader r)
    {
        int count = r.Int();
        var tensors = new List<PlanTensor>();
        for (int i = 0; i < count; i++)
            tensors.Add(ReadTensor(r));
        return tensors;
    }
}

/// <summary>A plan file that cannot be read; the generator reports it as MB2001/MB2002.</summary>
public sealed class PlanFormatException : Exception
{
    public PlanFormatException(string message, bool versionMismatch = false) : base(message) => VersionMismatch = versionMismatch;
    public bool VersionMismatch { get; }
}
