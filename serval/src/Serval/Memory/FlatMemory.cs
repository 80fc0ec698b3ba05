using System.Collections.Immutable;
using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>
/// Serval's flat memory model: every byte of the 64-bit address space is the uninterpreted function
/// <c>bytes : (bitvector 64) ~&gt; (bitvector 8)</c> with functional updates for stores (persistent, so forks are
/// free; concrete addresses take a dictionary fast path). No regions, no bounds: an access is undefined only when it
/// writes the image's read-only bytes, which reads serve from the image. A stray store shows up as a changed
/// observation rather than as a bug.
/// </summary>
public sealed class FlatMemory : IMemory
{
    private readonly Func<ulong, int, ulong?> _readOnly;
    private readonly Model? _model;
    private SymbolicMemory _bytes;

    /// <summary>
    /// The stores made since this memory was created, in order (address, bytes, value, guard), or null once it has
    /// been merged with another path's memory. Two memories from the same start with equal store lists are equal.
    /// </summary>
    public ImmutableList<(BitVec Address, int Size, BitVec Value, Bool Guard)>? Stores { get; private set; } = [];

    /// <summary>A memory whose unwritten bytes are <paramref name="bytes"/> and whose read-only image bytes come from <paramref name="readOnly"/>.</summary>
    public FlatMemory(Function bytes, Func<ulong, int, ulong?> readOnly)
        : this(SymbolicMemory.Uninterpreted(bytes), readOnly, null)
    {
    }

    private FlatMemory(SymbolicMemory bytes, Func<ulong, int, ulong?> readOnly, Model? model)
    {
        _bytes = bytes;
        _readOnly = readOnly;
        _model = model;
    }

    /// <inheritdoc />
    public IMemory Clone() => new FlatMemory(_bytes, _readOnly, _model) { Stores = Stores };

    /// <inheritdoc />
    public IMemory Concretize(Model model) => new FlatMemory(_bytes, _readOnly, model) { Stores = Stores };

    /// <inheritdoc />
    public IMemory Merge(Bool condition, IMemory other) => other is FlatMemory flat && flat._model == _model
        ? new FlatMemory(_bytes.Merge(condition, flat._bytes), _readOnly, _model) { Stores = null }
        : throw new MergeException("Cannot merge a flat memory with another kind of memory.");

    /// <inheritdoc />
    public IReadOnlyList<ulong>? Positions(BitVec address, int size) => null;

    /// <inheritdoc />
    public BitVec Load(BitVec address, int size, List<MemoryFault> faults)
    {
        if (address.TryGetValue(out var concrete) && _readOnly(concrete, size) is { } constant)
        {
            return BitVec.Of(constant, 64);
        }
        BitVec? value = null;
        for (var k = size - 1; k >= 0; k--)
        {
            var b = _bytes.Read(address + (ulong)k);
            if (_model is not null)
            {
                b = _model.Evaluate(b);
            }
            value = value is { } high ? high.Concat(b) : b;
        }
        return value!.Value.ZeroExtendTo(64);
    }

    /// <inheritdoc />
    public void Store(BitVec address, int size, BitVec value, Bool guard, List<MemoryFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (address.TryGetValue(out var concrete) && _readOnly(concrete, size) is not null)
        {
            faults.Add(new MemoryFault(Bool.True, $"store of {size} bytes at 0x{concrete:x}, into the image's read-only bytes"));
            return;
        }
        Stores = Stores?.Add((address, size, value, guard));
        for (var k = 0; k < size; k++)
        {
            var at = address + (ulong)k;
            var b = value.Extract(k * 8 + 7, k * 8);
            _bytes = _bytes.Write(at, guard.IsTrue ? b : BitVec.Ite(guard, b, _bytes.Read(at)));
        }
    }
}
