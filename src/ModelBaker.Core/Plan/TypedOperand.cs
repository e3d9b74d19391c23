using System;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>
/// An input of a broadcasting step of any arena element type (<see cref="Operand{T}"/> for steps of one type): a tensor
/// in the arena or constant data (float[], sbyte[], byte[], int[], long[] or bool[]), with the strides that read it
/// broadcast to the output shape (0 along broadcast dimensions).
/// </summary>
public sealed class TypedOperand
{
    public TypedOperand(ArenaSlice? slice, Array? constant, int[] strides)
    {
        if ((slice == null) == (constant == null)) throw new ArgumentException("An operand is a slice or a constant, not both.");
        Slice = slice;
        Constant = constant;
        Strides = strides;
    }

    public ArenaSlice? Slice { get; }
    public Array? Constant { get; }
    public int[] Strides { get; }

    public bool IsConstant => Constant != null;
    public ElementType Type => Slice?.Type ?? TypedArrays.TypeOf(Constant!);
    public int ConstantBytes => Constant == null ? 0 : Arenas.Size(Type) * Constant.Length;

    /// <summary>The operand's elements in the interpreter's arena (constants as they are).</summary>
    public ReadOnlySpan<T> Data<T>(PlanArena arena) => Constant != null ? (T[])Constant : arena.Of<T>(Slice!);

    /// <summary>The expression the generated code reads it by: its arena slice or its constant's member.</summary>
    public string Expression(CodeWriter code, string constantName) => IsConstant ? constantName : Slice!.Expression(code);

    /// <summary>The nanoFramework flavour's array and offset arguments: its arena and offset, or its constant's field and 0.</summary>
    public string NanoArguments(CodeWriter code, string constantName) => $"{NanoArray(constantName)}, {NanoOffset(code)}";

    /// <summary>The array alone: its arena, or its constant's field.</summary>
    public string NanoArray(string constantName) => IsConstant ? constantName : Arenas.Name(Type);

    /// <summary>The offset alone: its slice's, or 0 for a constant.</summary>
    public string NanoOffset(CodeWriter code) => IsConstant ? "0" : Slice!.NanoOffset(code);

    /// <summary>Emits its strides as <c>{name}Strides</c> and its constant (if any) as <c>{name}</c>.</summary>
    public void EmitData(CodeWriter code, string name, string what)
    {
        EmitArrays.Ints(code, $"{name}Strides", Strides, $"strides of {what} over the output shape");
        if (Constant != null) TypedArrays.Emit(code, name, Constant, $"constant {what}");
    }

    public void Write(PlanBinaryWriter w)
    {
        w.Byte(IsConstant ? (byte)1 : (byte)0);
        if (Constant != null) TypedArrays.Write(w, Constant); else w.Slice(Slice!);
        w.Ints(Strides);
    }

    public static TypedOperand Read(PlanBinaryReader r) =>
        r.Byte() == 1 ? new TypedOperand(null, TypedArrays.Read(r), r.Ints()) : new TypedOperand(r.Slice(), null, r.Ints());
}
