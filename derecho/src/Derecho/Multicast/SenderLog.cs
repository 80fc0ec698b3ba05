namespace Derecho.Multicast;

/// <summary>One received message slot: absent, a null message, or a payload.</summary>
internal struct Slot
{
    public bool Present;
    public bool IsNull;
    public ReadOnlyMemory<byte> Payload;
}

/// <summary>
/// The messages of one sender not yet delivered, indexed by the sender's message index: a ring that grows as
/// needed and frees slots in delivery order.
/// </summary>
internal sealed class SenderLog
{
    private Slot[] _slots = new Slot[16];
    private int _head;

    /// <summary>The index of the oldest undelivered message.</summary>
    public long Base { get; private set; }

    public ref Slot At(long index)
    {
        var offset = index - Base;
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "index already released");
        }
        if (offset >= _slots.Length)
        {
            Grow(offset + 1);
        }
        return ref _slots[(_head + (int)offset) & (_slots.Length - 1)];
    }

    /// <summary>Frees the slot of <see cref="Base"/> and moves on.</summary>
    public void Release()
    {
        _slots[_head] = default;
        _head = (_head + 1) & (_slots.Length - 1);
        Base++;
    }

    private void Grow(long needed)
    {
        var size = _slots.Length;
        while (size < needed)
        {
            size *= 2;
        }
        var slots = new Slot[size];
        for (var i = 0; i < _slots.Length; i++)
        {
            slots[i] = _slots[(_head + i) & (_slots.Length - 1)];
        }
        _slots = slots;
        _head = 0;
    }
}
