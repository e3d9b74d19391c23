using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ModelBaker.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read from its metadata and IL with Mono.Cecil: base types, interfaces,
/// fields, signatures, locals, custom attributes and every type, method or field an instruction names (generic
/// arguments included). Compiler-generated nested types (lambdas, iterators) count for the type that declares them.
/// </summary>
public static class NamespaceReferences
{
    /// <summary>(from type, to type) for every reference between two types of <paramref name="rootNamespace"/>'s layers.</summary>
    public static IEnumerable<(TypeDefinition From, TypeReference To)> Read(string assemblyPath, string rootNamespace)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var result = new List<(TypeDefinition, TypeReference)>();
        foreach (var type in module.GetTypes())
        {
            if (Layer(type, rootNamespace) == null) continue;
            foreach (var used in Uses(type).Distinct())
                result.Add((type, used));
        }
        return result;
    }

    /// <summary>"Kernels" for ModelBaker.Core.Kernels.ConvInt8 (and its nested types), "Onnx" for ModelBaker.Core.Onnx.Protos.X.</summary>
    public static string? Layer(TypeReference type, string rootNamespace)
    {
        while (type.DeclaringType != null) type = type.DeclaringType;
        string ns = type.Namespace;
        if (!ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal)) return null;
        return ns.Substring(rootNamespace.Length + 1).Split('.')[0];
    }

    private static IEnumerable<TypeReference> Uses(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            if (t == null) return;
            switch (t)
            {
                case GenericInstanceType g:
                    Add(g.ElementType);
                    foreach (var a in g.GenericArguments) Add(a);
                    return;
                case TypeSpecification s:
                    Add(s.ElementType);
                    return;
                case GenericParameter:
                    return;
            }
            found.Add(t);
        }
        void AddMethod(MethodReference m)
        {
            Add(m.DeclaringType);
            Add(m.ReturnType);
            foreach (var p in m.Parameters) Add(p.ParameterType);
            if (m is GenericInstanceMethod g) foreach (var a in g.GenericArguments) Add(a);
        }
        void AddAttributes(ICustomAttributeProvider provider)
        {
            if (!provider.HasCustomAttributes) return;
            foreach (var a in provider.CustomAttributes) AddMethod(a.Constructor);
        }

        Add(type.BaseType);
        foreach (var i in type.Interfaces) Add(i.InterfaceType);
        AddAttributes(type);
        foreach (var f in type.Fields) { Add(f.FieldType); AddAttributes(f); }
        foreach (var p in type.Properties) { Add(p.PropertyType); AddAttributes(p); }
        foreach (var e in type.Events) Add(e.EventType);
        foreach (var m in type.Methods)
        {
            AddMethod(m);
            AddAttributes(m);
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) Add(v.VariableType);
            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MethodReference r: AddMethod(r); break;
                    case FieldReference f: Add(f.DeclaringType); Add(f.FieldType); break;
                }
            }
        }
        return found;
    }
}
