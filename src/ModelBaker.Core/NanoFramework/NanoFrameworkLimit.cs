namespace ModelBaker.Core.NanoFramework;

/// <summary>
/// One limit of nanoCLR's assembly format that neither the C# compiler nor nanoFramework's MetadataProcessor checks:
/// break it and the device refuses the assembly, crashes or computes the wrong thing. <see cref="Allowed"/> keeps
/// headroom below <see cref="Format"/> where the measured quantity only approximates what the device stores.
/// </summary>
public sealed class NanoFrameworkLimit
{
    private NanoFrameworkLimit(string name, long format, long allowed, string unit, string why, string fix)
    {
        Name = name;
        Format = format;
        Allowed = allowed;
        Unit = unit;
        Why = why;
        Fix = fix;
    }

    /// <summary>What is counted, e.g. "static array initializer data".</summary>
    public string Name { get; }

    /// <summary>The largest value nanoCLR's format holds.</summary>
    public long Format { get; }

    /// <summary>The largest value the checker lets through.</summary>
    public long Allowed { get; }

    public string Unit { get; }

    /// <summary>Where the limit comes from (the field of nanoCLR's records that holds it) and what breaking it does.</summary>
    public string Why { get; }

    /// <summary>What a user can do about it.</summary>
    public string Fix { get; }

    // The field sizes are those of nanoCLR's metadata records (nf-interpreter src/CLR/Include/nanoCLR_Types.h:
    // CLR_RECORD_METHODDEF, CLR_RECORD_TYPEDEF, CLR_SIG / CLR_STRING / CLR_OFFSET are 16-bit); the failures were seen
    // on nanoCLR's POSIX host (docs/nanoframework.md).

    /// <summary>
    /// Array initializer data lives in the signature table, addressed by 16-bit offsets: one 60 KB array ran, two 40 KB
    /// arrays failed at run time (CLR_E_WRONG_TYPE), a 70 KB array silently did nothing. 8 KB are left to the
    /// signatures themselves.
    /// </summary>
    public static readonly NanoFrameworkLimit InitializerData = new(
        "static array initializer data (weights, biases, tables)", 65_535, 56 * 1024, "bytes",
        "it is stored in the assembly's signature table, addressed by 16-bit offsets (CLR_SIG); beyond it the device fails to load the assembly or reads wrong data",
        $"Read the weights from flash with WeightStorage=\"Resource\" (Auto does from {Pipeline.Baker.AutoNanoResourceWeightBytes / 1024} KB of weights), or shrink them: a higher Sparsity, Clusters=\"16\", Pruning=\"Structured\", or a smaller model; the limit is per assembly, so two models need two assemblies.");

    /// <summary>IL of all method bodies: methods address their bytecode with a 16-bit offset (CLR_OFFSET RVA).</summary>
    public static readonly NanoFrameworkLimit ByteCode = new(
        "bytecode of all methods", 65_535, 60 * 1024, "bytes",
        "methods address their bytecode with a 16-bit offset (CLR_RECORD_METHODDEF.RVA)",
        "Move code into another assembly (the limit is per assembly).");

    /// <summary>Identifiers and string literals share one table addressed by 16-bit ids (CLR_STRING).</summary>
    public static readonly NanoFrameworkLimit Strings = new(
        "strings (names and literals)", 65_535, 60 * 1024, "bytes",
        "names and string literals share one table addressed by 16-bit ids (CLR_STRING)",
        "Move code or string literals into another assembly (the limit is per assembly).");

    /// <summary>CLR_RECORD_METHODDEF.numLocals is a byte: more than 255 locals crashed the runtime.</summary>
    public static readonly NanoFrameworkLimit Locals = new(
        "locals in one method", 255, 255, "locals", "the count is stored in a byte (numLocals); more crashed nanoCLR",
        "Split the method; in a class ModelBaker generated, please report it with the model.");

    /// <summary>CLR_RECORD_METHODDEF.numArgs is a byte.</summary>
    public static readonly NanoFrameworkLimit Parameters = new(
        "parameters of one method", 255, 255, "parameters", "the count is stored in a byte (numArgs)",
        "Pass fewer parameters (group them in an object); in a class ModelBaker generated, please report it with the model.");

    /// <summary>CLR_RECORD_METHODDEF.lengthEvalStack is a byte.</summary>
    public static readonly NanoFrameworkLimit EvaluationStack = new(
        "evaluation stack depth of one method", 255, 255, "slots", "the depth is stored in a byte (lengthEvalStack)",
        "Split the expression into statements; in a class ModelBaker generated, please report it with the model.");

    /// <summary>A switch with more than 255 targets gave a wrong result on nanoCLR.</summary>
    public static readonly NanoFrameworkLimit SwitchTargets = new(
        "targets of one switch instruction", 255, 255, "targets", "nanoCLR's switch holds its target count in a byte; more jumped to the wrong case",
        "Split the switch; in a class ModelBaker generated, please report it with the model.");

    /// <summary>CLR_RECORD_TYPEDEF counts virtual, instance and static methods in a byte each.</summary>
    public static readonly NanoFrameworkLimit MethodsPerKind = new(
        "methods of one kind (static, instance or virtual) in one type", 255, 255, "methods",
        "each count is stored in a byte (CLR_RECORD_TYPEDEF.sMethods_Num, iMethods_Num, vMethods_Num)",
        "Split the type into several classes; in a class ModelBaker generated, please report it with the model.");

    /// <summary>CLR_RECORD_TYPEDEF counts static and instance fields in a byte each.</summary>
    public static readonly NanoFrameworkLimit FieldsPerKind = new(
        "fields of one kind (static or instance) in one type", 255, 255, "fields",
        "each count is stored in a byte (CLR_RECORD_TYPEDEF.sFields_Num, iFields_Num)",
        "Split the type into several classes (for a model class: shrink the model so it has fewer layers, or report it with the model).");

    /// <summary>Things nanoCLR does not have at all: a count of one is too many.</summary>
    public static readonly NanoFrameworkLimit Generics = new(
        "generic types or methods", 0, 0, "uses", "nanoCLR has no generics; loading such an assembly crashes it",
        "Replace generic types and methods with concrete ones.");

    public static readonly NanoFrameworkLimit MultiDimensionalArrays = new(
        "multi-dimensional arrays", 0, 0, "uses", "nanoCLR has no multi-dimensional arrays; using one crashes it",
        "Use one-dimensional arrays (index them row * width + column).");

    public static readonly NanoFrameworkLimit CheckedArithmetic = new(
        "checked (overflow-testing) instructions", 0, 0, "instructions", "nanoCLR runs them unchecked: an overflow does not throw, so the code would silently compute something else",
        "Remove checked arithmetic (compile with CheckForOverflowUnderflow off) and test ranges explicitly.");
}
