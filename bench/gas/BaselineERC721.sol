// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/// @dev The plain OpenZeppelin ERC-721 that bench/gas compares PropertyDeed with.
contract BaselineERC721 is ERC721 {
    constructor() ERC721("Baseline", "BNFT") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}

/// @dev OpenZeppelin's wizard-style NFT (auto-incremented id, stored token URI, safe mint).
contract BaselineERC721URIStorage is ERC721URIStorage {
    uint256 private _nextTokenId;

    constructor() ERC721("Baseline", "BURI") {}

    function safeMint(address to, string calldata uri) external returns (uint256 tokenId) {
        tokenId = _nextTokenId++;
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, uri);
    }
}
