namespace ModelBaker.Core.Plan;

/// <summary>Tags of kernels in the plan file. Stable numbers: a new kernel gets a new number.</summary>
public enum KernelKind : byte
{
    FullyConnectedInt8 = 1,
    AddInt8 = 2,
    LookupInt8 = 3,
    SoftmaxInt8 = 4,
    ConvInt8 = 5,
    PoolInt8 = 6,
    ChannelAffineInt8 = 7,
    FullyConnectedFloat = 65,
    AddFloat = 66,
    UnaryFloat = 67,
    SoftmaxFloat = 68,
    ConvFloat = 69,
    PoolFloat = 70,
    ChannelAffineFloat = 71,
}
