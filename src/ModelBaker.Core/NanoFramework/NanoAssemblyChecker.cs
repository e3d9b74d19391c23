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
    /// <summary>
    /// Every limit <paramref name="image"/> breaks (empty when it fits), whole-assembly ones first. With
    /// <paramref name="classes"/> (full type names), only those types and their nested types are measured — the per-assembly
    /// tables by their share — for a desktop project that compiles a nanoFramework model class beside code of its own.
    /// </summary>
    public static IReadOnlyList<NanoFrameworkViolation> Check(ImmutableArray<byte> image, IReadOnlyCollection<string>? classes = null)
    {
        using var pe = new PEReader(image);
        if (!pe.HasMetadata) throw new BadImageFormatException("The file is not a .NET assembly (no metadata).");
        var md = pe.GetMetadataReader();
        var violations = new List<NanoFrameworkViolation>();
        string assembly = md.IsAssembly ? md.GetString(md.GetAssemblyDefinition().Name) : "the module";
        string scope = classes == null ? $"assembly {assembly}" : $"{string.Join(", ", classes.OrderBy(c => c, StringComparer.Ordinal))} (assembly {assembly})";

        void Over(NanoFrameworkLimit limit, long measured, string where)
        {
            if (measured > limit.Allowed) violations.Add(new NanoFrameworkViolation(limit, measured, where));
        }

        var types = md.TypeDefinitions.Where(t => classes == null || classes.Contains(OuterName(md, t))).ToList();
        var methods = types.SelectMany(t => md.GetTypeDefinition(t).GetMethods()).ToList();
        var bodies = methods.Select(m => (Method: m, Definition: md.GetMethodDefinition(m)))
            .Where(m => m.Definition.RelativeVirtualAddress != 0)
            .Select(m => (m.Method, Body: pe.GetMethodBody(m.Definition.RelativeVirtualAddress)))
            .Select(m => (m.Method, m.Body, Instructions: IlInstructions.Read(m.Body.GetILBytes() ?? Array.Empty<byte>()).ToList()))
            .ToList();
        var tokens = new HashSet<EntityHandle>(bodies.SelectMany(b => b.Instructions)
            .Where(i => i.Token != 0 && (i.Token >> 24) != 0x70)
            .Select(i => MetadataTokens.EntityHandle(i.Token)));

        // Initializer data: every field with an RVA, or, for some classes, those their code loads (ldtoken) or declares.
        var dataFields = classes == null
            ? md.FieldDefinitions.ToList()
            : tokens.Where(t => t.Kind == HandleKind.FieldDefinition).Select(t => (FieldDefinitionHandle)t)
                .Concat(types.SelectMany(t => md.GetTypeDefinition(t).GetFields())).Distinct().ToList();
        Over(NanoFrameworkLimit.InitializerData, dataFields.Sum(f => InitializerBytes(md, md.GetFieldDefinition(f))), scope);
        Over(NanoFrameworkLimit.ByteCode, bodies.Sum(b => (long)b.Body.GetILReader().Length), scope);
        Over(NanoFrameworkLimit.Strings, classes == null
            ? md.GetHeapSize(HeapIndex.String) + md.GetHeapSize(HeapIndex.UserString)
            : StringBytes(md, types, bodies.SelectMany(b => b.Instructions)), scope);

        // Generic instantiations and multi-dimensional arrays are TypeSpecs (or MethodSpecs), used directly or as the
        // parent of a member reference (List<int>.Add, int[,].Get).
        var typeSpecs = classes == null
            ? Enumerable.Range(1, md.GetTableRowCount(TableIndex.TypeSpec)).Select(MetadataTokens.TypeSpecificationHandle).ToList()
            : tokens.Select(t => t.Kind == HandleKind.MemberReference ? md.GetMemberReference((MemberReferenceHandle)t).Parent : t)
                .Where(t => t.Kind == HandleKind.TypeSpecification).Select(t => (TypeSpecificationHandle)t).Distinct().ToList();
        var specCodes = typeSpecs.Select(t => md.GetBlobReader(md.GetTypeSpecification(t).Signature).ReadSignatureTypeCode()).ToList();
        int genericParameters = classes == null
            ? md.GetTableRowCount(TableIndex.GenericParam)
            : types.Sum(t => md.GetTypeDefinition(t).GetGenericParameters().Count) + methods.Sum(m => md.GetMethodDefinition(m).GetGenericParameters().Count);
        int methodSpecs = classes == null ? md.GetTableRowCount(TableIndex.MethodSpec) : tokens.Count(t => t.Kind == HandleKind.MethodSpecification);
        Over(NanoFrameworkLimit.Generics, genericParameters + methodSpecs + specCodes.Count(c => c == SignatureTypeCode.GenericTypeInstance), scope);
        Over(NanoFrameworkLimit.MultiDimensionalArrays, specCodes.Count(c => c == SignatureTypeCode.Array), scope);

        foreach (var typeHandle in types)
        {
            var type = md.GetTypeDefinition(typeHandle);
            string typeName = TypeName(md, type);
            var typeMethods = type.GetMethods().Select(md.GetMethodDefinition).ToList();
            Over(NanoFrameworkLimit.MethodsPerKind, typeMethods.Count(m => (m.Attributes & MethodAttributes.Static) != 0), $"the static methods of {typeName}");
            Over(NanoFrameworkLimit.MethodsPerKind, typeMethods.Count(m => (m.Attributes & (MethodAttributes.Static | MethodAttributes.Virtual)) == 0), $"the instance methods of {typeName}");
            Over(NanoFrameworkLimit.MethodsPerKind, typeMethods.Count(m => (m.Attributes & MethodAttributes.Virtual) != 0), $"the virtual methods of {typeName}");
            // Constants (literal fields) are not fields on nanoCLR: MetadataProcessor leaves them out.
            var fields = type.GetFields().Select(md.GetFieldDefinition).Where(f => (f.Attributes & FieldAttributes.Literal) == 0).ToList();
            Over(NanoFrameworkLimit.FieldsPerKind, fields.Count(f => (f.Attributes & FieldAttributes.Static) != 0), $"the static fields of {typeName}");
            Over(NanoFrameworkLimit.FieldsPerKind, fields.Count(f => (f.Attributes & FieldAttributes.Static) == 0), $"the instance fields of {typeName}");
            foreach (var method in typeMethods)
                Over(NanoFrameworkLimit.Parameters, ParameterCount(md, method), $"{typeName}.{md.GetString(method.Name)}");
        }
        foreach (var (method, body, instructions) in bodies)
        {
            var definition = md.GetMethodDefinition(method);
            string where = $"{TypeName(md, md.GetTypeDefinition(definition.GetDeclaringType()))}.{md.GetString(definition.Name)}";
            Over(NanoFrameworkLimit.EvaluationStack, body.MaxStack, where);
            Over(NanoFrameworkLimit.Locals, LocalCount(md, body), where);
            Over(NanoFrameworkLimit.SwitchTargets, instructions.Where(i => i.OpCode == IlInstructions.Switch).Select(i => i.SwitchTargets).DefaultIfEmpty(0).Max(), where);
            Over(NanoFrameworkLimit.CheckedArithmetic, instructions.Count(i => IlInstructions.IsChecked(i.OpCode)), where);
        }
        return violations;
    }

    /// <summary>nanoFramework.CoreLibrary's mscorlib signs with this key (token); .NET Framework's is b77a5c561934e089.</summary>
    private static readonly byte[] NanoFrameworkKeyToken = { 0xC0, 0x7D, 0x48, 0x1E, 0x97, 0x58, 0xC7, 0x31 };

    /// <summary>True when <paramref name="image"/> was compiled against nanoFramework's mscorlib: a firmware assembly, all of which runs on the device.</summary>
    public static bool IsCompiledForNanoFramework(ImmutableArray<byte> image)
    {
        using var pe = new PEReader(image);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(md.GetAssemblyReference).Any(r =>
            md.GetString(r.Name) == "mscorlib" && md.GetBlobBytes(r.PublicKeyOrToken).SequenceEqual(NanoFrameworkKeyToken));
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

    /// <summary>The data of a field with an RVA (what C# array initializers compile to); 0 for other fields.</summary>
    private static long InitializerBytes(MetadataReader md, FieldDefinition field)
    {
        if ((field.Attributes & FieldAttributes.HasFieldRVA) == 0) return 0;
        var blob = md.GetBlobReader(field.Signature);
        blob.ReadSignatureHeader();
        return blob.ReadSignatureTypeCode() switch
        {
            SignatureTypeCode.Boolean or SignatureTypeCode.SByte or SignatureTypeCode.Byte => 1,
            SignatureTypeCode.Char or SignatureTypeCode.Int16 or SignatureTypeCode.UInt16 => 2,
            SignatureTypeCode.Int32 or SignatureTypeCode.UInt32 or SignatureTypeCode.Single => 4,
            SignatureTypeCode.Int64 or SignatureTypeCode.UInt64 or SignatureTypeCode.Double => 8,
            SignatureTypeCode.TypeHandle => ValueTypeSize(md, blob.ReadTypeHandle()),
            _ => 0,
        };
    }

    /// <summary>Some classes' share of the string table: their names and their members', and the literals their code loads (UTF-8, as nanoCLR stores them).</summary>
    private static long StringBytes(MetadataReader md, IEnumerable<TypeDefinitionHandle> types, IEnumerable<IlInstructions.Instruction> instructions)
    {
        var strings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in types)
        {
            var type = md.GetTypeDefinition(handle);
            strings.Add(md.GetString(type.Name));
            strings.Add(md.GetString(type.Namespace));
            foreach (var m in type.GetMethods()) strings.Add(md.GetString(md.GetMethodDefinition(m).Name));
            foreach (var f in type.GetFields()) strings.Add(md.GetString(md.GetFieldDefinition(f).Name));
        }
        foreach (var instruction in instructions.Where(i => (i.Token >> 24) == 0x70))
            strings.Add(md.GetUserString(MetadataTokens.UserStringHandle(instruction.Token & 0xFFFFFF)));
        return strings.Sum(text => (long)System.Text.Encoding.UTF8.GetByteCount(text) + 1);
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

    /// <summary>The full name of the outermost type enclosing <paramref name="handle"/> (itself when not nested).</summary>
    private static string OuterName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        while (!type.GetDeclaringType().IsNil) type = md.GetTypeDefinition(type.GetDeclaringType());
        return TypeName(md, type);
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
