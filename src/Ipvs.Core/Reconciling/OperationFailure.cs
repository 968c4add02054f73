using Ipvs.Core.Kernel;
using Ipvs.Core.Planning;

namespace Ipvs.Core.Reconciling;

/// <summary>A planned operation the kernel rejected (or that was not sent), with the reason in words and as a kind.</summary>
public sealed record OperationFailure(IpvsOperation Operation, string Error, KernelErrorKind Kind = KernelErrorKind.Other);
