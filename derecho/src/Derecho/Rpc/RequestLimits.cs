namespace Derecho.Rpc;

/// <summary>
/// How large a request a member accepts: an ordered call is multicast whole, so its header and arguments must fit
/// <c>max_payload_size</c>; and any message to a member must fit the largest frame its connections accept
/// (<see cref="GroupOptions.MaxFrameSize"/>; a larger one drops the connection). Members check their own calls, and
/// tell their external clients with every view, so that a call too large fails at once with
/// <see cref="RpcError.TooLarge"/> instead of dropping a connection and waiting for a timeout.
/// </summary>
/// <param name="MaxPayloadSize">The member's <c>max_payload_size</c>.</param>
/// <param name="MaxFrameSize">The largest frame the member accepts.</param>
internal readonly record struct RequestLimits(int MaxPayloadSize, int MaxFrameSize)
{
    /// <summary>The limits of a member with <paramref name="options"/>.</summary>
    public static RequestLimits Of(GroupOptions options) => new(options.MaxPayloadSize, options.MaxFrameSize);

    /// <summary>Refuses an ordered call whose arguments, with the call's header, exceed <see cref="MaxPayloadSize"/>.</summary>
    /// <exception cref="RpcException">The call is too large (<see cref="RpcError.TooLarge"/>).</exception>
    public void CheckOrdered(int argumentsLength)
    {
        if (OrderedCallHeader.Size + (long)argumentsLength > MaxPayloadSize)
        {
            throw new RpcException(RpcError.TooLarge,
                $"the ordered call's arguments are {argumentsLength} bytes; with its {OrderedCallHeader.Size}-byte header they must fit max_payload_size ({MaxPayloadSize} bytes)");
        }
    }

    /// <summary>Refuses a message to a member larger than <see cref="MaxFrameSize"/>.</summary>
    /// <exception cref="RpcException">The message is too large (<see cref="RpcError.TooLarge"/>).</exception>
    public void CheckMessage(int messageLength)
    {
        if (messageLength > MaxFrameSize)
        {
            throw new RpcException(RpcError.TooLarge,
                $"the request is {messageLength} bytes, more than the {MaxFrameSize} bytes a member accepts in one message (max(max_payload_size, window_size × (max_smc_payload_size + 64)) + 1 MiB)");
        }
    }
}
