using System;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>
/// Where one tensor lives: an element type, which selects one of the plan's arenas (one per element type in use),
/// and an offset and length in elements of that arena. Producer and consumers of a tensor share one instance, so
/// the memory planner sets the offset once for all.
/// </summary>
public sealed class ArenaSlice
{
    public ArenaSlice(string tensorName, ElementType type, int length, int offset = -1, int[]? shape = null)
    {
        TensorName = tensorName;
        Type = type;
        Length = length;
        Offset = offset;
        if (shape != null && ShapeMath.Length(shape) != length)
            throw new ArgumentException($"Tensor '{tensorName}': shape [{string.Join(", ", shape)}] does not hold {length} elements.", nameof(shape));
        Shape = shape;
    }

    /// <summary>The ONNX value stored here (for generated comments and error messages).</summary>
    public string TensorName { get; }
    public ElementType Type { get; }
    public int Length { get; }
    /// <summary>The tensor's shape as shape inference found it (for generated comments); null where a step made the slice itself.</summary>
    public int[]? Shape { get; }
    /// <summary>
    /// Set on a slice the .NET flavour's layout pass made: it holds this operand's tensor in channels-last order (the
    /// report puts its elements back in the model's order to compare them with the float model). Not serialized.
    /// </summary>
    public LayoutOperand? ChannelsLastOf { get; init; }

    /// <summary>-1 until the memory planner has placed it.</summary>
    public int Offset { get; set; }

    public int End => Offset + Length;

    /// <summary>"floats.Slice(64, 128)" — how generated code addresses the slice.</summary>
    public string Expression() => $"{Arenas.Name(Type)}.Slice({Offset}, {Length})";

    /// <summary>The slice in code being written: the named local the method declared for it, else <see cref="Expression()"/>.</summary>
    public string Expression(Codegen.CodeWriter code) => code.Local(LocalKey, Expression());

    /// <summary>
    /// What names this tensor's local: its name and place. Tensors that reuse one place at different times (the memory
    /// planner's doing) get locals of their own; a view that shares a tensor's slice shares its local.
    /// </summary>
    public string LocalKey => TensorName + "\n" + Expression();

    /// <summary>"int8s, 64" — how the nanoFramework flavour addresses the slice: its arena array and offset.</summary>
    public string NanoArguments() => $"{Arenas.Name(Type)}, {Offset}";

    /// <summary>The same in code being written: "int8s, activated" where the method declared the offset as a constant.</summary>
    public string NanoArguments(Codegen.CodeWriter code) => $"{Arenas.Name(Type)}, {NanoOffset(code)}";

    /// <summary>The offset alone: "activated" where the method declared it as a constant, else the number.</summary>
    public string NanoOffset(Codegen.CodeWriter code) => code.Local(LocalKey, Offset.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => $"{TensorName}:{Type}@{Offset}+{Length}";
}
