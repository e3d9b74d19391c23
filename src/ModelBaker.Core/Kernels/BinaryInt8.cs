using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.FixedPointVectors;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Element-wise int8 Add, Sub, Mul, Div, Max, Min, PRelu, Mod, FMod or Pow with numpy broadcasting, integer-only, TensorFlow Lite
/// Micro's way. With xa = a − za and xb = b − zb (the real values over their scales sa, sb) and output scale so:
/// <list type="bullet">
/// <item>Add/Sub: both rescaled to a common scale (2 × the larger input scale, after a left shift of 20 bits),
/// added or subtracted in int32, then requantized to so.</item>
/// <item>Mul: xa · xb requantized by sa · sb / so.</item>
/// <item>Div: (xa · 2^16) / xb in integer division, requantized by sa / (sb · so · 2^16). A divisor of real value 0
/// gives the int8 end of the dividend's sign (like ±∞, saturated), and 0 / 0 gives 0 (the output zero point).</item>
/// <item>Max/Min: both requantized to so (sa / so, sb / so), then compared; rounding is monotonic, so this is the
/// requantized max/min.</item>
/// <item>PRelu (b is the slope): xa ≥ 0 ? xa requantized by sa / so : xa · xb requantized by sa · sb / so.</item>
/// <item>Mod (the divisor's sign) and FMod (the dividend's): both rescaled to Add's common scale, the integer remainder
/// taken there — exact for the rescaled values — then requantized to so. A divisor of real value 0 gives 0 (in float,
/// NaN).</item>
/// <item>Pow: a^b / so = 2^(b · log₂|a| − log₂ so) in Q16 fixed point — log₂ of the integer xa bit by bit plus log₂ sa,
/// b = sb · xb, 2^ from sixteen constants — see <see cref="Power"/>.</item>
/// </list>
/// Per operand, a <see cref="QuantizedTerm"/> holds its zero point and its own multiplier (0 when unused); the
/// output multiplier is the one each operation applies last.
/// </summary>
public sealed class BinaryInt8 : Int8Kernel, IChannelsLastKernel
{
    /// <summary>Bits Add/Sub shift the inputs left before rescaling, so rescaling loses no precision.</summary>
    public const int LeftShift = 20;
    /// <summary>Bits Div shifts the dividend left before the integer division, so the quotient keeps 16 fraction bits.</summary>
    public const int DivisionShift = 16;

    public BinaryInt8(string source, BinaryOperation operation, int[] shape, Operand<sbyte> a, QuantizedTerm aTerm, Operand<sbyte> b,
        QuantizedTerm bTerm, int outputMultiplier, int outputShift, int outputZeroPoint, int activationMin, int activationMax,
        ArenaSlice output) : base(source)
    {
        Operation = operation;
        Shape = shape;
        A = a;
        ATerm = aTerm;
        B = b;
        BTerm = bTerm;
        OutputMultiplier = outputMultiplier;
        OutputShift = outputShift;
        OutputZeroPoint = outputZeroPoint;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
        Output = output;
    }

    public BinaryOperation Operation { get; }
    public int[] Shape { get; }
    public Operand<sbyte> A { get; }
    public QuantizedTerm ATerm { get; }
    public Operand<sbyte> B { get; }
    public QuantizedTerm BTerm { get; }
    public int OutputMultiplier { get; }
    public int OutputShift { get; }
    public int OutputZeroPoint { get; }
    public int ActivationMin { get; }
    public int ActivationMax { get; }
    public override ArenaSlice Output { get; }

    /// <summary>
    /// Element by element when each operand is a tensor of the output's shape or one constant value: then any order of
    /// the elements will do. (A per-channel constant or another broadcast depends on the order.)
    /// </summary>
    public IReadOnlyList<LayoutOperand>? LayoutOperands
    {
        get
        {
            if (Shape.Length != 4 || !ElementWise(A) || !ElementWise(B)) return null;
            int batch = Shape[0], channels = Shape[1], pixels = Shape[2] * Shape[3];
            return new[] { A.Slice, B.Slice, Output }.Where(s => s != null).Select(s => new LayoutOperand(s!, batch, channels, pixels)).ToArray();
        }
    }

    private bool ElementWise(Operand<sbyte> operand) =>
        operand.Slice != null ? operand.Slice.Length == Output.Length && IsDense(operand.Strides, Shape) : operand.Constant!.Length == 1;

    public bool LeadsChannelsLast => false;

    public Kernel ToChannelsLast(Func<ArenaSlice, ArenaSlice> slice) =>
        new BinaryInt8(Source, Operation, Shape, Rebound(A, slice), ATerm, Rebound(B, slice), BTerm, OutputMultiplier, OutputShift, OutputZeroPoint,
            ActivationMin, ActivationMax, slice(Output));

    private static Operand<sbyte> Rebound(Operand<sbyte> operand, Func<ArenaSlice, ArenaSlice> slice) =>
        operand.Slice != null ? new Operand<sbyte>(slice(operand.Slice), null, operand.Strides) : operand;

    public static BinaryInt8 From(BinaryFloat binary, QuantizationContext q)
    {
        var (a, pa) = Operand(binary.A, q);
        var (b, pb) = Operand(binary.B, q);
        var output = q.Parameters(binary.Output);
        double sa = pa.Scale, sb = pb.Scale, so = output.Scale;
        var (min, max) = QuantizationContext.ActivationRange(binary.ActivationMin, binary.ActivationMax, output);
        if (binary.Operation == BinaryOperation.Pow)
        {
            // The terms carry log₂ of the scales in Q16 and the exponent's scale in Q29–Q30 (see Power).
            int Log2Q16(double scale) => (int)Math.Round(Math.Log(scale, 2) * 65536);
            int exponentShift = 29 - (int)Math.Floor(Math.Log(sb, 2));
            int exponentMultiplier = (int)Math.Min(Math.Round(sb * Math.Pow(2, exponentShift)), int.MaxValue);
            return new BinaryInt8(binary.Source, binary.Operation, binary.Shape, a, new QuantizedTerm(pa.ZeroPoint, Log2Q16(sa), 0),
                b, new QuantizedTerm(pb.ZeroPoint, exponentMultiplier, exponentShift), Log2Q16(so), 0, output.ZeroPoint, min, max, q.Slice(binary.Output));
        }
        QuantizedTerm Term(QuantizationParameters p, double multiplier)
        {
            var (m, s) = QuantizeMultiplier(multiplier);
            return new QuantizedTerm(p.ZeroPoint, m, s);
        }

        double aMultiplier = 0, bMultiplier = 0, outputMultiplier;
        switch (binary.Operation)
        {
            case BinaryOperation.Add:
            case BinaryOperation.Sub:
            case BinaryOperation.Mod:
            case BinaryOperation.FMod:
                double twiceMaxScale = 2 * Math.Max(sa, sb);
                aMultiplier = sa / twiceMaxScale;
                bMultiplier = sb / twiceMaxScale;
                outputMultiplier = twiceMaxScale / ((1 << LeftShift) * so);
                break;
            case BinaryOperation.Mul:
                outputMultiplier = sa * sb / so;
                break;
            case BinaryOperation.Div:
                outputMultiplier = sa / (sb * so * (1 << DivisionShift));
                break;
            case BinaryOperation.Max:
            case BinaryOperation.Min:
                aMultiplier = sa / so;
                bMultiplier = sb / so;
                outputMultiplier = 0;
                break;
            default: // PRelu
                aMultiplier = sa / so;
                outputMultiplier = sa * sb / so;
                break;
        }
        var (outMultiplier, outShift) = QuantizeMultiplier(outputMultiplier);
        return new BinaryInt8(binary.Source, binary.Operation, binary.Shape, a, Term(pa, aMultiplier), b, Term(pb, bMultiplier),
            outMultiplier, outShift, output.ZeroPoint, min, max, q.Slice(binary.Output));
    }

    /// <summary>A tensor operand keeps its calibrated parameters; a constant one is quantized over its own range.</summary>
    private static (Operand<sbyte>, QuantizationParameters) Operand(Operand<float> operand, QuantizationContext q)
    {
        if (operand.Slice != null) return (new Operand<sbyte>(q.Slice(operand.Slice), null, operand.Strides), q.Parameters(operand.Slice));
        var data = operand.Constant!;
        var p = QuantizationParameters.FromRange(data.Min(), data.Max());
        var quantized = data.Select(v => Quantize(v, p.Scale, p.ZeroPoint)).ToArray();
        return (new Operand<sbyte>(null, quantized, operand.Strides), p);
    }

    public override KernelKind Kind => KernelKind.BinaryInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes => (A.Constant?.Length ?? 0) + (B.Constant?.Length ?? 0) + 4 * 3 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(BinaryInt8), nameof(BinaryInt8) + "#Element", nameof(FixedPoint), nameof(FixedPointVectors) };

    public override void Run(PlanArena arena) =>
        Binary((int)Operation, Data(A, arena), A.Strides, ATerm.ZeroPoint, ATerm.Multiplier, ATerm.Shift,
            Data(B, arena), B.Strides, BTerm.ZeroPoint, BTerm.Multiplier, BTerm.Shift,
            Shape, OutputMultiplier, OutputShift, OutputZeroPoint, ActivationMin, ActivationMax,
            arena.Int8s(Output));

    private static ReadOnlySpan<sbyte> Data(Operand<sbyte> operand, PlanArena arena) =>
        operand.Constant ?? arena.Int8s(operand.Slice!);

    // <emit>
    /// <summary>
    /// Int8 element-wise operation with broadcasting (strides are 0 along broadcast dimensions):
    /// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Max, 5 Min, 6 PRelu (b is the slope), 7 Mod, 8 FMod, 9 Pow.
    /// </summary>
    public static void Binary(int operation,
        ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, int aZeroPoint, int aMultiplier, int aShift,
        ReadOnlySpan<sbyte> b, ReadOnlySpan<int> bStrides, int bZeroPoint, int bMultiplier, int bShift,
        ReadOnlySpan<int> shape, int outputMultiplier, int outputShift, int outputZeroPoint,
        int activationMin, int activationMax, Span<sbyte> output)
    {
        int i = 0;
#if NET8_0_OR_GREATER
        if ((operation == 0 || operation == 1) && System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated
            && IsDense(aStrides, shape) && IsDense(bStrides, shape) && a.Length >= output.Length && b.Length >= output.Length)
        {
            // Same-shape Add or Sub (a residual connection): sixteen elements per step, lane for lane what Element gives.
            ref sbyte aStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
            ref sbyte bStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
            ref sbyte outputStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
            if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
                for (; i <= output.Length - 16; i += 16)
                    AddSixteen(operation, ref System.Runtime.CompilerServices.Unsafe.Add(ref aStart, i), ref System.Runtime.CompilerServices.Unsafe.Add(ref bStart, i),
                        aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift, outputZeroPoint, activationMin, activationMax,
                        ref System.Runtime.CompilerServices.Unsafe.Add(ref outputStart, i));
            for (; i <= output.Length - 16; i += 16)
            {
                LoadBytes(ref System.Runtime.CompilerServices.Unsafe.Add(ref aStart, i), out var a0, out var a1, out var a2, out var a3);
                LoadBytes(ref System.Runtime.CompilerServices.Unsafe.Add(ref bStart, i), out var b0, out var b1, out var b2, out var b3);
                StoreBytes(
                    AddLanes(operation, a0, b0, aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift, outputZeroPoint, activationMin, activationMax),
                    AddLanes(operation, a1, b1, aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift, outputZeroPoint, activationMin, activationMax),
                    AddLanes(operation, a2, b2, aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift, outputZeroPoint, activationMin, activationMax),
                    AddLanes(operation, a3, b3, aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift, outputZeroPoint, activationMin, activationMax),
                    ref System.Runtime.CompilerServices.Unsafe.Add(ref outputStart, i));
            }
        }
#endif
        if (i == output.Length) return;
        // The rest element by element, the operands' indices stepped like an odometer over the output's coordinates.
        Span<int> coordinate = stackalloc int[shape.Length];
        int aIndex = 0, bIndex = 0;
        for (int d = shape.Length - 1, rest = i; d >= 0; d--)
        {
            coordinate[d] = rest % shape[d];
            rest /= shape[d];
            aIndex += coordinate[d] * aStrides[d];
            bIndex += coordinate[d] * bStrides[d];
        }
        for (; i < output.Length; i++)
        {
            int value = Element(operation, a[aIndex] - aZeroPoint, b[bIndex] - bZeroPoint, aMultiplier, aShift, bMultiplier, bShift,
                outputMultiplier, outputShift) + outputZeroPoint;
            output[i] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                aIndex += aStrides[d];
                bIndex += bStrides[d];
                if (++coordinate[d] < shape[d]) break;
                aIndex -= shape[d] * aStrides[d];
                bIndex -= shape[d] * bStrides[d];
                coordinate[d] = 0;
            }
        }
    }

    /// <summary>Whether an operand's strides walk it in the output's order, element after element (no broadcasting).</summary>
    public static bool IsDense(ReadOnlySpan<int> strides, ReadOnlySpan<int> shape)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

#if NET8_0_OR_GREATER
    /// <summary>AVX2: sixteen elements of a same-shape Add or Sub as two vectors of eight lanes, what AddLanes gives lane for lane.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void AddSixteen(int operation, ref sbyte a, ref sbyte b, int aZeroPoint, int aMultiplier, int aShift, int bZeroPoint, int bMultiplier, int bShift,
        int outputMultiplier, int outputShift, int outputZeroPoint, int activationMin, int activationMax, ref sbyte output)
    {
        var low = AddEight(operation, ref a, ref b, aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift);
        var high = AddEight(operation, ref System.Runtime.CompilerServices.Unsafe.Add(ref a, 8), ref System.Runtime.CompilerServices.Unsafe.Add(ref b, 8),
            aZeroPoint, aMultiplier, aShift, bZeroPoint, bMultiplier, bShift, outputMultiplier, outputShift);
        var zeroPoint = System.Runtime.Intrinsics.Vector256.Create(outputZeroPoint);
        var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
        var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
        low = System.Runtime.Intrinsics.Vector256.Min(System.Runtime.Intrinsics.Vector256.Max(low + zeroPoint, min), max);
        high = System.Runtime.Intrinsics.Vector256.Min(System.Runtime.Intrinsics.Vector256.Max(high + zeroPoint, min), max);
        var shorts = System.Runtime.Intrinsics.Vector256.Narrow(low, high); // in order, already inside −128…127
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.Narrow(System.Runtime.Intrinsics.Vector256.GetLower(shorts),
            System.Runtime.Intrinsics.Vector256.GetUpper(shorts)), ref output);
    }

    /// <summary>Eight elements of a same-shape Add or Sub, before the output zero point: the three rescalings of Element on eight lanes.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<int> AddEight(int operation, ref sbyte a, ref sbyte b, int aZeroPoint, int aMultiplier, int aShift,
        int bZeroPoint, int bMultiplier, int bShift, int outputMultiplier, int outputShift)
    {
        var x = System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int32(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(
            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref a)))));
        var y = System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int32(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(
            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref b)))));
        var scaledA = MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector256.ShiftLeft(x - System.Runtime.Intrinsics.Vector256.Create(aZeroPoint), 20), aMultiplier, aShift);
        var scaledB = MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector256.ShiftLeft(y - System.Runtime.Intrinsics.Vector256.Create(bZeroPoint), 20), bMultiplier, bShift);
        return MultiplyByQuantizedMultiplier(operation == 0 ? scaledA + scaledB : scaledA - scaledB, outputMultiplier, outputShift);
    }

    /// <summary>Element's Add (operation 0) or Sub (1) on four lanes, with the output zero point and clamp.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<int> AddLanes(int operation, System.Runtime.Intrinsics.Vector128<int> a, System.Runtime.Intrinsics.Vector128<int> b,
        int aZeroPoint, int aMultiplier, int aShift, int bZeroPoint, int bMultiplier, int bShift, int outputMultiplier, int outputShift,
        int outputZeroPoint, int activationMin, int activationMax)
    {
        var scaledA = MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector128.ShiftLeft(a - System.Runtime.Intrinsics.Vector128.Create(aZeroPoint), 20), aMultiplier, aShift);
        var scaledB = MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector128.ShiftLeft(b - System.Runtime.Intrinsics.Vector128.Create(bZeroPoint), 20), bMultiplier, bShift);
        var sum = MultiplyByQuantizedMultiplier(operation == 0 ? scaledA + scaledB : scaledA - scaledB, outputMultiplier, outputShift);
        return Clamp(sum + System.Runtime.Intrinsics.Vector128.Create(outputZeroPoint), activationMin, activationMax);
    }
#endif
    // </emit>

    // <emit Element>
    /// <summary>
    /// One element of an int8 binary operation on zero-point-free inputs x and y, before the output zero point is added:
    /// 0 Add, 1 Sub (both rescaled to a common scale with 20 bits of headroom), 2 Mul, 3 Div (x·2¹⁶ / y; a real divisor
    /// of 0 saturates by the dividend's sign, 0 / 0 is 0), 4 Max, 5 Min (both rescaled to the output scale), 6 PRelu
    /// (y is the slope), 7 Mod and 8 FMod (the remainder of the two rescaled as for Add, with the divisor's or the
    /// dividend's sign; a divisor of 0 gives 0), 9 Pow (<see cref="Power"/>: the a term is log₂ sa, the output
    /// multiplier log₂ so). Shared by the .NET and nanoFramework flavours.
    /// </summary>
    public static int Element(int operation, int x, int y, int aMultiplier, int aShift, int bMultiplier, int bShift,
        int outputMultiplier, int outputShift)
    {
        switch (operation)
        {
            case 0:
            case 1:
            {
                int scaledA = MultiplyByQuantizedMultiplier(x * (1 << 20), aMultiplier, aShift);
                int scaledB = MultiplyByQuantizedMultiplier(y * (1 << 20), bMultiplier, bShift);
                return MultiplyByQuantizedMultiplier(operation == 0 ? scaledA + scaledB : scaledA - scaledB, outputMultiplier, outputShift);
            }
            case 2:
                return MultiplyByQuantizedMultiplier(x * y, outputMultiplier, outputShift);
            case 3:
                // Saturates through the caller's clamp: ±2^30 lands on 127 or −128 whatever the zero point.
                return y != 0 ? MultiplyByQuantizedMultiplier(x * (1 << 16) / y, outputMultiplier, outputShift)
                    : x > 0 ? 1 << 30 : x < 0 ? -(1 << 30) : 0;
            case 4:
            case 5:
            {
                int scaledA = MultiplyByQuantizedMultiplier(x, aMultiplier, aShift);
                int scaledB = MultiplyByQuantizedMultiplier(y, bMultiplier, bShift);
                return operation == 4 ? (scaledA > scaledB ? scaledA : scaledB) : (scaledA < scaledB ? scaledA : scaledB);
            }
            case 7:
            case 8:
            {
                int scaledA = MultiplyByQuantizedMultiplier(x * (1 << 20), aMultiplier, aShift);
                int scaledB = MultiplyByQuantizedMultiplier(y * (1 << 20), bMultiplier, bShift);
                if (scaledB == 0) return 0;
                int remainder = scaledA % scaledB;
                if (operation == 7 && remainder != 0 && (remainder < 0) != (scaledB < 0)) remainder += scaledB;
                return MultiplyByQuantizedMultiplier(remainder, outputMultiplier, outputShift);
            }
            case 9:
                return Power(x, y, aMultiplier, bMultiplier, bShift, outputMultiplier);
            default:
                return x >= 0 ? MultiplyByQuantizedMultiplier(x, aMultiplier, aShift) : MultiplyByQuantizedMultiplier(x * y, outputMultiplier, outputShift);
        }
    }

    /// <summary>2^(2^−k) in Q30, k = 1 … 16: 2 to a Q16 fraction is the product of those its bits select.</summary>
    public static readonly long[] PowersOfTwoRoots =
    {
        1518500250, 1276901417, 1170923762, 1121280436, 1097253708, 1085434106, 1079572136, 1076653033,
        1075196443, 1074468888, 1074105294, 1073923544, 1073832680, 1073787251, 1073764537, 1073753181,
    };

    /// <summary>
    /// a^b over the output scale, before its zero point, for a = sa · x and b = sb · y: 2^(b · log₂|a| − log₂ so) in Q16
    /// fixed point. b = y · bMultiplier / 2^bShift; an integer within half of b's step is taken as that integer (exponents
    /// are mostly integers, and their int8 codes lie up to half a step from them). log₂|x| is taken bit by bit (the
    /// mantissa squared sixteen times) and log₂ sa (log2ScaleA, Q16) added; 2^ of the fraction is the product of the
    /// <see cref="PowersOfTwoRoots"/> its bits select. A negative base needs an integer exponent (an odd one keeps the sign;
    /// else NaN, given as 0); 0^b is 0 for b &gt; 0, 1 for b = 0 and saturates (∞) for b &lt; 0, as does every result of
    /// 256 output steps or more.
    /// </summary>
    public static int Power(int x, int y, int log2ScaleA, int bMultiplier, int bShift, int log2ScaleOutput)
    {
        long exponent = (long)y * bMultiplier;
        if (bShift >= 16) exponent = bShift == 16 ? exponent : (exponent + (1L << (bShift - 17))) >> (bShift - 16);
        else exponent <<= 16 - bShift < 20 ? 16 - bShift : 20;
        if (exponent > 1L << 36) exponent = 1L << 36;
        if (exponent < -(1L << 36)) exponent = -(1L << 36);
        long halfStep = bShift >= 15 ? bMultiplier >> (bShift - 15) : 1L << 20;
        long nearest = (exponent + 32768) & ~65535L;
        if (halfStep < 32768 && (exponent - nearest <= halfStep && nearest - exponent <= halfStep)) exponent = nearest;
        bool negative = false;
        long power;
        if (exponent == 0) power = -log2ScaleOutput;
        else if (x == 0) return exponent > 0 ? 0 : 1 << 30;
        else
        {
            if (x < 0)
            {
                if ((exponent & 65535) != 0) return 0;
                negative = ((exponent >> 16) & 1) != 0;
                x = -x;
            }
            int whole = 0;
            while (x >> (whole + 1) != 0) whole++;
            long mantissa = ((long)x << 30) >> whole, log = (long)whole << 16;
            for (int bit = 1 << 15; bit != 0; bit >>= 1)
            {
                mantissa = (mantissa * mantissa) >> 30;
                if (mantissa >= 2L << 30) { mantissa >>= 1; log += bit; }
            }
            power = (((log + log2ScaleA) * exponent) >> 16) - log2ScaleOutput;
        }
        if (power >= 8L << 16) return negative ? -(1 << 30) : 1 << 30;
        if (power < -(24L << 16)) return 0;
        int integer = (int)(power >> 16);
        long result = 1L << 30;
        for (int k = 0; k < 16; k++)
            if ((power & (32768 >> k)) != 0) result = (result * PowersOfTwoRoots[k] + (1L << 29)) >> 30;
        long value = (result + (1L << (29 - integer))) >> (30 - integer);
        return (int)(negative ? -value : value);
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 element-wise operation with broadcasting, on arrays (strides are 0 along broadcast dimensions):
    /// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Max, 5 Min, 6 PRelu (b is the slope), 7 Mod, 8 FMod, 9 Pow.
    /// </summary>
    public static void Binary(int operation,
        sbyte[] a, int aOffset, int[] aStrides, int aZeroPoint, int aMultiplier, int aShift,
        sbyte[] b, int bOffset, int[] bStrides, int bZeroPoint, int bMultiplier, int bShift,
        int[] shape, int outputMultiplier, int outputShift, int outputZeroPoint,
        int activationMin, int activationMax, sbyte[] output, int outputOffset, int outputLength)
    {
        if (IsRowMajor(aStrides, shape) && IsRowMajor(bStrides, shape))
        {
            // Neither operand broadcast (a residual Add): element i of each is at i, no coordinates to work out — on
            // nanoCLR those divisions cost more than the element's arithmetic.
            for (int i = 0; i < outputLength; i++)
            {
                int value = Element(operation, a[aOffset + i] - aZeroPoint, b[bOffset + i] - bZeroPoint, aMultiplier, aShift, bMultiplier, bShift,
                    outputMultiplier, outputShift) + outputZeroPoint;
                output[outputOffset + i] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
            }
            return;
        }
        for (int i = 0; i < outputLength; i++)
        {
            int aIndex = aOffset, bIndex = bOffset, rest = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int coordinate = rest % shape[d];
                rest /= shape[d];
                aIndex += coordinate * aStrides[d];
                bIndex += coordinate * bStrides[d];
            }
            int value = Element(operation, a[aIndex] - aZeroPoint, b[bIndex] - bZeroPoint, aMultiplier, aShift, bMultiplier, bShift,
                outputMultiplier, outputShift) + outputZeroPoint;
            output[outputOffset + i] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
        }
    }

    /// <summary>True when these strides address <paramref name="shape"/> in row-major order (index = flat position).</summary>
    public static bool IsRowMajor(int[] strides, int[] shape)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] > 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(BinaryInt8) + "#Nano", nameof(BinaryInt8) + "#Element", nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Binary({(int)Operation} /* {Operation} */,")
            .Line($"    {NanoExpression(code, A, name + "A")}, {name}AStrides, aZeroPoint: {ATerm.ZeroPoint}, aMultiplier: {ATerm.Multiplier}, aShift: {ATerm.Shift},")
            .Line($"    {NanoExpression(code, B, name + "B")}, {name}BStrides, bZeroPoint: {BTerm.ZeroPoint}, bMultiplier: {BTerm.Multiplier}, bShift: {BTerm.Shift},")
            .Line($"    {name}Shape, outputMultiplier: {OutputMultiplier}, outputShift: {OutputShift}, outputZeroPoint: {OutputZeroPoint},")
            .Line($"    activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    private static string NanoExpression(CodeWriter code, Operand<sbyte> operand, string constantName) =>
        operand.IsConstant ? constantName + ", 0" : operand.Slice!.NanoArguments(code);

    /// <summary>
    /// An operand read at exactly the output's index (same length, not broadcast), when the other operand is not the
    /// same tensor read differently: then element i is read only to write element i.
    /// </summary>
    public override ArenaSlice? InPlaceInput
    {
        get
        {
            bool Aligned(Operand<sbyte> o) => o.Slice != null && o.Slice.Length == Output.Length && IsRowMajor(o.Strides, Shape);
            if (Aligned(A) && (B.Slice != A.Slice || Aligned(B))) return A.Slice;
            if (Aligned(B) && A.Slice != B.Slice) return B.Slice;
            return null;
        }
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation);
        w.Ints(Shape);
        WriteOperand(w, A, ATerm);
        WriteOperand(w, B, BTerm);
        w.Int(OutputMultiplier); w.Int(OutputShift); w.Int(OutputZeroPoint);
        w.Int(ActivationMin); w.Int(ActivationMax);
        w.Slice(Output);
    }

    private static void WriteOperand(PlanBinaryWriter w, Operand<sbyte> operand, QuantizedTerm term)
    {
        w.Byte(operand.IsConstant ? (byte)1 : (byte)0);
        if (operand.IsConstant) w.SBytes(operand.Constant!); else w.Slice(operand.Slice!);
        w.Ints(operand.Strides);
        w.Int(term.ZeroPoint); w.Int(term.Multiplier); w.Int(term.Shift);
    }

    public static BinaryInt8 Read(PlanBinaryReader r, string source)
    {
        var operation = (BinaryOperation)r.Byte();
        int[] shape = r.Ints();
        var (a, aTerm) = ReadOperand(r);
        var (b, bTerm) = ReadOperand(r);
        return new BinaryInt8(source, operation, shape, a, aTerm, b, bTerm, r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Slice());
    }

    private static (Operand<sbyte>, QuantizedTerm) ReadOperand(PlanBinaryReader r)
    {
        bool constant = r.Byte() == 1;
        var operand = constant ? new Operand<sbyte>(null, r.SBytes(), r.Ints()) : new Operand<sbyte>(r.Slice(), null, r.Ints());
        return (operand, new QuantizedTerm(r.Int(), r.Int(), r.Int()));
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Binary({(int)Operation} /* {Operation} */,")
            .Line($"    {Expression(code, A, name + "A")}, {name}AStrides, aZeroPoint: {ATerm.ZeroPoint}, aMultiplier: {ATerm.Multiplier}, aShift: {ATerm.Shift},")
            .Line($"    {Expression(code, B, name + "B")}, {name}BStrides, bZeroPoint: {BTerm.ZeroPoint}, bMultiplier: {BTerm.Multiplier}, bShift: {BTerm.Shift},")
            .Line($"    {name}Shape, outputMultiplier: {OutputMultiplier}, outputShift: {OutputShift}, outputZeroPoint: {OutputZeroPoint},")
            .Line($"    activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.Expression(code)});");

    private static string Expression(CodeWriter code, Operand<sbyte> operand, string constantName) =>
        operand.IsConstant ? constantName : operand.Slice!.Expression(code);

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}AStrides", A.Strides, "strides of the first input over the output shape");
        EmitArrays.Ints(code, $"{name}BStrides", B.Strides, "strides of the second input over the output shape");
        if (A.IsConstant) EmitArrays.SBytes(code, $"{name}A", A.Constant!, "constant first input, int8");
        if (B.IsConstant) EmitArrays.SBytes(code, $"{name}B", B.Constant!, "constant second input, int8");
    }
}

/// <summary>How one input of an int8 binary step is rescaled: its zero point and its own multiplier.</summary>
public readonly struct QuantizedTerm
{
    public QuantizedTerm(int zeroPoint, int multiplier, int shift)
    {
        ZeroPoint = zeroPoint;
        Multiplier = multiplier;
        Shift = shift;
    }

    public int ZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
}
