namespace ModelBaker.Core.Plan;

/// <summary>Tags of kernels in the plan file. Stable numbers: a new kernel gets a new number.</summary>
public enum KernelKind : byte
{
    FullyConnectedInt8 = 1,
    AddInt8 = 2,
    LookupInt8 = 3,
    SoftmaxInt8 = 4,
    ConcatInt8 = 20,
    FullyConnectedFloat = 65,
    AddFloat = 66,
    UnaryFloat = 67,
    SoftmaxFloat = 68,
    Remap = 84,
    Concat = 85,
    Conversion = 86,
}
