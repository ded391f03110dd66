// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev The plain OpenZeppelin ERC-20 that bench/gas compares PropertyShares with.
contract BaselineERC20 is ERC20 {
    constructor() ERC20("Baseline", "BASE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
