using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Core.NanoFramework;

/// <summary>A limit an assembly breaks: what was measured, and where.</summary>
public sealed record NanoFrameworkViolation(NanoFrameworkLimit Limit, long Measured, string Where)
{
    public override string ToString() =>
        $"{Limit.Name}: {Measured.ToString("N0", CultureInfo.InvariantCulture)} {Limit.Unit} in {Where}, " +
        $"but nanoCLR holds at most {Limit.Format.ToString("N0", CultureInfo.InvariantCulture)}" +
        (Limit.Allowed < Limit.Format ? $" (ModelBaker allows {Limit.Allowed.ToString("N0", CultureInfo.InvariantCulture)}, keeping headroom)" : "") +
        $": {Limit.Why}. {Limit.Fix}";
}

/// <summary>
/// Reads a compiled assembly (its metadata and IL, with System.Reflection.Metadata) and measures it against every
/// <see cref="NanoFrameworkLimit"/>: the checks the C# compiler and nanoFramework's MetadataProcessor do not make, so
/// that a model that would fail on the device fails the build instead. Run by the MSBuild task after compiling a
/// project with a <c>CodeTarget="NanoFramework"</c> model, by <c>modelbaker generate --target nanoframework</c>, and
/// by the tests on every nanoFramework class they generate.
/// </summary>
public static class NanoAssemblyChecker
{
    /// <summary>Every limit <paramref name="image"/> breaks (empty when it fits), whole-assembly ones first.</summary>
    public static IReadOnlyList<NanoFrameworkViolation> Check(ImmutableArray<byte> image)
    {
        using var pe = new PEReader(image);
        if (!pe.HasMetadata) throw new BadImageFormatException("The file is not a .NET assembly (no metadata).");
        var md = pe.GetMetadataReader();
        var violations = new List<NanoFrameworkViolation>();
        string assembly = md.IsAssembly ? md.GetString(md.GetAssemblyDefinition().Name) : "the module";

        void Over(NanoFrameworkLimit limit, long measured, string where)
        {
            if (measured > limit.Allowed) violations.Add(new NanoFrameworkViolation(limit, measured, where));
        }

        Over(NanoFrameworkLimit.InitializerData, InitializerDataBytes(md), $"assembly {assembly}");
        long byteCode = 0;
        foreach (var handle in md.MethodDefinitions)
        {
            int rva = md.GetMethodDefinition(handle).RelativeVirtualAddress;
            if (rva != 0) byteCode += pe.GetMethodBody(rva).GetILBytes()?.Length ?? 0;
        }
        Over(NanoFrameworkLimit.ByteCode, byteCode, $"assembly {assembly}");
        Over(NanoFrameworkLimit.Strings, md.GetHeapSize(HeapIndex.String) + md.GetHeapSize(HeapIndex.UserString), $"assembly {assembly}");

        int generics = md.GetTableRowCount(TableIndex.MethodSpec) + md.GetTableRowCount(TableIndex.GenericParam);
        int arrays = 0;
        for (int row = 1; row <= md.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            var blob = md.GetBlobReader(md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).Signature);
            var code = blob.ReadSignatureTypeCode();
            if (code == SignatureTypeCode.GenericTypeInstance) generics++;
            else if (code == SignatureTypeCode.Array) arrays++;
        }
        Over(NanoFrameworkLimit.Generics, generics, $"assembly {assembly}");
        Over(NanoFrameworkLimit.MultiDimensionalArrays, arrays, $"assembly {assembly}");

        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            string typeName = TypeName(md, type);
            var methods = type.GetMethods().Select(md.GetMethodDefinition).ToList();
            Over(NanoFrameworkLimit.MethodsPerKind, methods.Count(m => (m.Attributes & MethodAttributes.Static) != 0), $"the static methods of {typeName}");
            Over(NanoFrameworkLimit.MethodsPerKind, methods.Count(m => (m.Attributes & (MethodAttributes.Static | MethodAttributes.Virtual)) == 0), $"the instance methods of {typeName}");
            Over(NanoFrameworkLimit.MethodsPerKind, methods.Count(m => (m.Attributes & MethodAttributes.Virtual) != 0), $"the virtual methods of {typeName}");
            // Constants (literal fields) are not fields on nanoCLR: MetadataProcessor leaves them out.
            var fields = type.GetFields().Select(md.GetFieldDefinition).Where(f => (f.Attributes & FieldAttributes.Literal) == 0).ToList();
            Over(NanoFrameworkLimit.FieldsPerKind, fields.Count(f => (f.Attributes & FieldAttributes.Static) != 0), $"the static fields of {typeName}");
            Over(NanoFrameworkLimit.FieldsPerKind, fields.Count(f => (f.Attributes & FieldAttributes.Static) == 0), $"the instance fields of {typeName}");

            foreach (var method in methods)
            {
                string where = $"{typeName}.{md.GetString(method.Name)}";
                Over(NanoFrameworkLimit.Parameters, ParameterCount(md, method), where);
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                Over(NanoFrameworkLimit.EvaluationStack, body.MaxStack, where);
                Over(NanoFrameworkLimit.Locals, LocalCount(md, body), where);
                var instructions = IlInstructions.Read(body.GetILBytes() ?? Array.Empty<byte>()).ToList();
                Over(NanoFrameworkLimit.SwitchTargets, instructions.Where(i => i.OpCode == IlInstructions.Switch).Select(i => i.SwitchTargets).DefaultIfEmpty(0).Max(), where);
                Over(NanoFrameworkLimit.CheckedArithmetic, instructions.Count(i => IlInstructions.IsChecked(i.OpCode)), where);
            }
        }
        return violations;
    }

    /// <summary>
    /// Throws <see cref="ErrorCodes.NanoFrameworkLimitExceeded"/> listing every limit <paramref name="image"/>
    /// breaks. <paramref name="subject"/> names what was compiled ("the class DigitsCnn generated from digits_cnn.onnx").
    /// </summary>
    public static void EnsureWithinLimits(ImmutableArray<byte> image, string subject)
    {
        var violations = Check(image);
        if (violations.Count == 0) return;
        throw new BakeException(ErrorCodes.NanoFrameworkLimitExceeded, Describe(violations, subject));
    }

    public static string Describe(IReadOnlyList<NanoFrameworkViolation> violations, string subject) =>
        $"{subject} would not run on nanoFramework: it breaks {(violations.Count == 1 ? "a limit" : violations.Count + " limits")} of nanoCLR's assembly format that neither the compiler nor MetadataProcessor checks:" +
        string.Concat(violations.Select(v => Environment.NewLine + "  " + v));

    /// <summary>The data of fields with an RVA: what C# array initializers compile to.</summary>
    private static long InitializerDataBytes(MetadataReader md)
    {
        long total = 0;
        foreach (var handle in md.FieldDefinitions)
        {
            var field = md.GetFieldDefinition(handle);
            if ((field.Attributes & FieldAttributes.HasFieldRVA) == 0) continue;
            var blob = md.GetBlobReader(field.Signature);
            blob.ReadSignatureHeader();
            var code = blob.ReadSignatureTypeCode();
            total += code switch
            {
                SignatureTypeCode.Boolean or SignatureTypeCode.SByte or SignatureTypeCode.Byte => 1,
                SignatureTypeCode.Char or SignatureTypeCode.Int16 or SignatureTypeCode.UInt16 => 2,
                SignatureTypeCode.Int32 or SignatureTypeCode.UInt32 or SignatureTypeCode.Single => 4,
                SignatureTypeCode.Int64 or SignatureTypeCode.UInt64 or SignatureTypeCode.Double => 8,
                SignatureTypeCode.TypeHandle => ValueTypeSize(md, blob.ReadTypeHandle()),
                _ => 0,
            };
        }
        return total;
    }

    private static long ValueTypeSize(MetadataReader md, EntityHandle type) =>
        type.Kind == HandleKind.TypeDefinition ? md.GetTypeDefinition((TypeDefinitionHandle)type).GetLayout().Size : 0;

    private static int LocalCount(MetadataReader md, MethodBodyBlock body)
    {
        if (body.LocalSignature.IsNil) return 0;
        var blob = md.GetBlobReader(md.GetStandaloneSignature(body.LocalSignature).Signature);
        blob.ReadSignatureHeader();
        return blob.ReadCompressedInteger();
    }

    /// <summary>Declared parameters, plus <c>this</c> for instance methods (nanoCLR counts it in numArgs).</summary>
    private static int ParameterCount(MetadataReader md, MethodDefinition method)
    {
        var blob = md.GetBlobReader(method.Signature);
        var header = blob.ReadSignatureHeader();
        if (header.IsGeneric) blob.ReadCompressedInteger();
        return blob.ReadCompressedInteger() + (header.IsInstance ? 1 : 0);
    }

    private static string TypeName(MetadataReader md, TypeDefinition type)
    {
        string name = md.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil) return TypeName(md, md.GetTypeDefinition(declaring)) + "." + name;
        string ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
