namespace System.Runtime.CompilerServices;

// Lets netstandard2.0 code use `init` accessors and records.
internal static class IsExternalInit { }
