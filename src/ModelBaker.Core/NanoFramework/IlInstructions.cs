using System;
using System.Collections.Generic;

namespace ModelBaker.Core.NanoFramework;

/// <summary>
/// Walks a method's IL (ECMA-335 §III) instruction by instruction: enough to find switch tables and checked
/// arithmetic, which is all the nanoFramework checks need to see inside method bodies.
/// </summary>
internal static class IlInstructions
{
    /// <summary>
    /// One instruction: its opcode (two-byte opcodes as 0xFE00 | second byte), for a switch its target count, and for an
    /// instruction that names metadata (a field, method, type, string or signature) that token, else 0.
    /// </summary>
    public readonly struct Instruction
    {
        public Instruction(int opCode, int switchTargets, int token)
        {
            OpCode = opCode;
            SwitchTargets = switchTargets;
            Token = token;
        }

        public int OpCode { get; }
        public int SwitchTargets { get; }
        public int Token { get; }
    }

    public const int Switch = 0x45;

    public static IEnumerable<Instruction> Read(byte[] il)
    {
        int at = 0;
        while (at < il.Length)
        {
            int opCode = il[at++];
            if (opCode == 0xFE)
            {
                if (at >= il.Length) throw new BadImageFormatException("IL ends inside a two-byte opcode.");
                opCode = 0xFE00 | il[at++];
            }
            int targets = 0, operand;
            if (opCode == Switch)
            {
                if (at + 4 > il.Length) throw new BadImageFormatException("IL ends inside a switch.");
                targets = BitConverter.ToInt32(il, at);
                operand = 4 + 4 * targets;
            }
            else operand = OperandSize(opCode);
            if (at + operand > il.Length) throw new BadImageFormatException($"IL ends inside the operand of opcode 0x{opCode:X}.");
            int token = HasToken(opCode) ? BitConverter.ToInt32(il, at) : 0;
            at += operand;
            yield return new Instruction(opCode, targets, token);
        }
    }

    /// <summary>True for the instructions that throw on overflow in .NET (conv.ovf.*, add/sub/mul.ovf*) and ckfinite.</summary>
    public static bool IsChecked(int opCode) =>
        opCode is >= 0x82 and <= 0x8B   // conv.ovf.i1.un … conv.ovf.u.un
            or >= 0xB3 and <= 0xBA      // conv.ovf.i1 … conv.ovf.u8
            or 0xC3                     // ckfinite
            or >= 0xD4 and <= 0xDB;     // conv.ovf.i, conv.ovf.u, add.ovf(.un), mul.ovf(.un), sub.ovf(.un)

    /// <summary>The opcodes whose 4-byte operand is a metadata token (InlineField, InlineMethod, InlineType, InlineTok, InlineString, InlineSig).</summary>
    private static bool HasToken(int opCode) => opCode is
        >= 0x27 and <= 0x29 or >= 0x6F and <= 0x75 or 0x79 or >= 0x7B and <= 0x81 or 0x8C or 0x8D or 0x8F
        or >= 0xA3 and <= 0xA5 or 0xC2 or 0xC6 or 0xD0 or 0xFE06 or 0xFE07 or 0xFE15 or 0xFE16 or 0xFE1C;

    private static int OperandSize(int opCode) => opCode switch
    {
        >= 0x0E and <= 0x13 => 1,   // ldarg.s, ldarga.s, starg.s, ldloc.s, ldloca.s, stloc.s
        0x1F => 1,                  // ldc.i4.s
        0x20 or 0x22 => 4,          // ldc.i4, ldc.r4
        0x21 or 0x23 => 8,          // ldc.i8, ldc.r8
        >= 0x27 and <= 0x29 => 4,   // jmp, call, calli
        >= 0x2B and <= 0x37 => 1,   // short branches
        >= 0x38 and <= 0x44 => 4,   // branches
        >= 0x6F and <= 0x75 => 4,   // callvirt, cpobj, ldobj, ldstr, newobj, castclass, isinst
        0x79 => 4,                  // unbox
        >= 0x7B and <= 0x81 => 4,   // ldfld, ldflda, stfld, ldsfld, ldsflda, stsfld, stobj
        0x8C or 0x8D or 0x8F => 4,  // box, newarr, ldelema
        >= 0xA3 and <= 0xA5 => 4,   // ldelem, stelem, unbox.any
        0xC2 or 0xC6 or 0xD0 => 4,  // refanyval, mkrefany, ldtoken
        0xDD => 4,                  // leave
        0xDE => 1,                  // leave.s
        0xFE06 or 0xFE07 => 4,      // ldftn, ldvirtftn
        >= 0xFE09 and <= 0xFE0E => 2, // ldarg, ldarga, starg, ldloc, ldloca, stloc
        0xFE12 or 0xFE19 => 1,      // unaligned., no.
        0xFE15 or 0xFE16 or 0xFE1C => 4, // initobj, constrained., sizeof
        _ => 0,
    };
}
