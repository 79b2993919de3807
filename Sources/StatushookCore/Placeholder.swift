enum StatushookCorePlaceholder {}
