namespace ModelBaker.Core.NanoFramework;

/// <summary>
/// The part of nanoFramework.ResourceManager's public API (the NuGet package of that name, which a device's firmware
/// carries) that a nanoFramework class reading its weights from a resource calls, declared from its documentation:
/// what ModelBaker compiles such a class against where the package itself is not at hand (the limit checks of
/// `modelbaker generate`, the tests). A .nfproj or firmware project compiles the class against the real package.
/// </summary>
public static class ResourceManagerApi
{
    /// <summary>The assembly that holds both types on a device.</summary>
    public const string AssemblyName = "nanoFramework.ResourceManager";

    /// <summary>System.Resources.ResourceManager as nanoFramework has it (.NET's has the same constructor).</summary>
    public const string ResourceManagerSource = @"
namespace System.Resources
{
    /// <summary>The resources of an assembly whose embedded file is baseName + "".nanoresources"".</summary>
    public class ResourceManager
    {
        public ResourceManager(string baseName, System.Reflection.Assembly assembly) { }
    }
}
";

    /// <summary>nanoFramework.Runtime.Native.ResourceUtility: a resource, or a slice of a binary one, by its 16-bit id.</summary>
    public const string ResourceUtilitySource = @"
namespace nanoFramework.Runtime.Native
{
    public static class ResourceUtility
    {
        /// <summary>The resource whose id is the enum value <paramref name=""id""/> (a byte[] for a binary resource).</summary>
        public static object GetObject(System.Resources.ResourceManager rm, System.Enum id) { return null; }

        /// <summary><paramref name=""length""/> bytes at <paramref name=""offset""/> of the binary resource <paramref name=""id""/>, as a new byte[].</summary>
        public static object GetObject(System.Resources.ResourceManager rm, System.Enum id, int offset, int length) { return null; }
    }
}
";
}
