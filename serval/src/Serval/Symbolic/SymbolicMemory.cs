using System.Collections.Immutable;

namespace Serval.Symbolic;

/// <summary>
/// A persistent (immutable) memory from addresses to values of fixed widths, in the manner of Serval's
/// uninterpreted-function memories with functional updates: writes return a new memory and never copy, so forks
/// are free. Unwritten cells read an uninterpreted function (or a constant). Concrete addresses take a fast path:
/// consecutive concrete writes share a dictionary and a concrete read skips them in one lookup; a symbolic address
/// reads as an if-then-else chain over the writes.
/// </summary>
public sealed class SymbolicMemory : IMergeable<SymbolicMemory>
{
    private readonly Node _node;

    private SymbolicMemory(int addressWidth, int valueWidth, Node node)
    {
        AddressWidth = addressWidth;
        ValueWidth = valueWidth;
        _node = node;
    }

    /// <summary>The width of addresses.</summary>
    public int AddressWidth { get; }

    /// <summary>The width of values.</summary>
    public int ValueWidth { get; }

    /// <summary>A memory whose unwritten cells are the fresh uninterpreted function named <paramref name="name"/>.</summary>
    public static SymbolicMemory Uninterpreted(string name, int addressWidth, int valueWidth) =>
        Uninterpreted(Function.BitVecMap(name, addressWidth, valueWidth));

    /// <summary>A memory whose unwritten cells are <paramref name="function"/> (one bitvector argument), e.g. one shared by replays.</summary>
    public static SymbolicMemory Uninterpreted(Function function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.Domain.Count != 1 || function.Domain[0].IsBool || function.Range.IsBool)
        {
            throw new ArgumentException($"A memory function maps one bitvector to a bitvector; {function.Name} does not.", nameof(function));
        }
        return new(function.Domain[0].Width, function.Range.Width, new Base(function, BitVec.Of(0UL, function.Range.Width)));
    }

    /// <summary>A memory whose unwritten cells hold <paramref name="initial"/>.</summary>
    public static SymbolicMemory Filled(int addressWidth, BitVec initial) =>
        new(addressWidth, initial.Width, new Base(null, initial));

    /// <summary>The value at <paramref name="address"/>.</summary>
    public BitVec Read(BitVec address)
    {
        CheckAddress(address);
        return address.TryGetValue(out var concrete) ? ReadConcrete(_node, concrete, address) : ReadSymbolic(_node, address);
    }

    /// <summary>A memory equal to this one except that <paramref name="address"/> holds <paramref name="value"/>.</summary>
    public SymbolicMemory Write(BitVec address, BitVec value)
    {
        CheckAddress(address);
        if (value.Width != ValueWidth)
        {
            throw new ArgumentException($"The memory holds {ValueWidth}-bit values, not {value.Width}.", nameof(value));
        }
        if (address.TryGetValue(out var concrete))
        {
            var segment = _node as ConcreteWrites;
            var cells = segment?.Cells ?? ImmutableDictionary<ulong, BitVec>.Empty;
            return new SymbolicMemory(AddressWidth, ValueWidth, new ConcreteWrites(cells.SetItem(concrete, value), segment?.Below ?? _node));
        }
        return new SymbolicMemory(AddressWidth, ValueWidth, new SymbolicWrite(address, value, _node));
    }

    /// <inheritdoc />
    public SymbolicMemory Merge(Bool condition, SymbolicMemory other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (condition.TryGetValue(out var value))
        {
            return value ? this : other;
        }
        if (ReferenceEquals(_node, other._node))
        {
            return this;
        }
        if (other.AddressWidth != AddressWidth || other.ValueWidth != ValueWidth)
        {
            throw new MergeException("Cannot merge memories of different shapes.");
        }
        return new SymbolicMemory(AddressWidth, ValueWidth, new Merged(condition, _node, other._node));
    }

    private void CheckAddress(BitVec address)
    {
        if (address.Width != AddressWidth)
        {
            throw new ArgumentException($"The memory takes {AddressWidth}-bit addresses, not {address.Width}.", nameof(address));
        }
    }

    private static BitVec ReadConcrete(Node node, ulong concrete, BitVec address)
    {
        while (true)
        {
            switch (node)
            {
                case ConcreteWrites writes:
                    if (writes.Cells.TryGetValue(concrete, out var hit))
                    {
                        return hit;
                    }
                    node = writes.Below;
                    break;
                case SymbolicWrite write:
                    return BitVec.Ite(write.Address == address, write.Value, ReadConcrete(write.Below, concrete, address));
                case Merged merged:
                    return BitVec.Ite(merged.Condition, ReadConcrete(merged.Then, concrete, address), ReadConcrete(merged.Else, concrete, address));
                default:
                    return ((Base)node).Read(address);
            }
        }
    }

    private static BitVec ReadSymbolic(Node node, BitVec address) => node switch
    {
        ConcreteWrites writes => writes.Cells.Aggregate(ReadSymbolic(writes.Below, address),
            (rest, cell) => BitVec.Ite(address == BitVec.Of(cell.Key, address.Width), cell.Value, rest)),
        SymbolicWrite write => BitVec.Ite(write.Address == address, write.Value, ReadSymbolic(write.Below, address)),
        Merged merged => BitVec.Ite(merged.Condition, ReadSymbolic(merged.Then, address), ReadSymbolic(merged.Else, address)),
        _ => ((Base)node).Read(address),
    };

    private abstract record Node;

    private sealed record Base(Function? Function, BitVec Initial) : Node
    {
        public BitVec Read(BitVec address) => Function is null ? Initial : Function.Apply(address);
    }

    private sealed record ConcreteWrites(ImmutableDictionary<ulong, BitVec> Cells, Node Below) : Node;

    private sealed record SymbolicWrite(BitVec Address, BitVec Value, Node Below) : Node;

    private sealed record Merged(Bool Condition, Node Then, Node Else) : Node;
}
