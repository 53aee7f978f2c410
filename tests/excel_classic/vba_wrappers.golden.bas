Function crm_dedupe_key(values, Optional kind, Optional region)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_dedupe_key = XLPy.CallUDF("xl_crm.excel.classic", "crm_dedupe_key", Array(values, kind, region), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_dedupe_key = XLPy.CallUDF("xl_crm.excel.classic", "crm_dedupe_key", Array(values, kind, region))
        Exit Function
    #End If
failed:
    crm_dedupe_key = Err.Description
End Function

Function crm_is_valid_email(values)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_is_valid_email = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_email", Array(values), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_is_valid_email = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_email", Array(values))
        Exit Function
    #End If
failed:
    crm_is_valid_email = Err.Description
End Function

Function crm_is_valid_id(values)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_is_valid_id = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_id", Array(values), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_is_valid_id = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_id", Array(values))
        Exit Function
    #End If
failed:
    crm_is_valid_id = Err.Description
End Function

Function crm_is_valid_phone(values, Optional region)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_is_valid_phone = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_phone", Array(values, region), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_is_valid_phone = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_phone", Array(values, region))
        Exit Function
    #End If
failed:
    crm_is_valid_phone = Err.Description
End Function

Function crm_is_valid_uscc(values)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_is_valid_uscc = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_uscc", Array(values), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_is_valid_uscc = XLPy.CallUDF("xl_crm.excel.classic", "crm_is_valid_uscc", Array(values))
        Exit Function
    #End If
failed:
    crm_is_valid_uscc = Err.Description
End Function

Function crm_last_purchase(customers, orders, Optional as_of, Optional template)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_last_purchase = XLPy.CallUDF("xl_crm.excel.classic", "crm_last_purchase", Array(customers, orders, as_of, template), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_last_purchase = XLPy.CallUDF("xl_crm.excel.classic", "crm_last_purchase", Array(customers, orders, as_of, template))
        Exit Function
    #End If
failed:
    crm_last_purchase = Err.Description
End Function

Function crm_mask(values, Optional kind)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_mask = XLPy.CallUDF("xl_crm.excel.classic", "crm_mask", Array(values, kind), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_mask = XLPy.CallUDF("xl_crm.excel.classic", "crm_mask", Array(values, kind))
        Exit Function
    #End If
failed:
    crm_mask = Err.Description
End Function

Function crm_normalize_phone(values, Optional region)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_normalize_phone = XLPy.CallUDF("xl_crm.excel.classic", "crm_normalize_phone", Array(values, region), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_normalize_phone = XLPy.CallUDF("xl_crm.excel.classic", "crm_normalize_phone", Array(values, region))
        Exit Function
    #End If
failed:
    crm_normalize_phone = Err.Description
End Function

Function crm_purchase_frequency(customers, orders, Optional as_of, Optional window_days, Optional template)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_purchase_frequency = XLPy.CallUDF("xl_crm.excel.classic", "crm_purchase_frequency", Array(customers, orders, as_of, window_days, template), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_purchase_frequency = XLPy.CallUDF("xl_crm.excel.classic", "crm_purchase_frequency", Array(customers, orders, as_of, window_days, template))
        Exit Function
    #End If
failed:
    crm_purchase_frequency = Err.Description
End Function

Function crm_rfm(customers, orders, Optional as_of, Optional window_days, Optional template)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_rfm = XLPy.CallUDF("xl_crm.excel.classic", "crm_rfm", Array(customers, orders, as_of, window_days, template), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_rfm = XLPy.CallUDF("xl_crm.excel.classic", "crm_rfm", Array(customers, orders, as_of, window_days, template))
        Exit Function
    #End If
failed:
    crm_rfm = Err.Description
End Function

Function crm_segment(customers, orders, Optional model, Optional as_of, Optional window_days, Optional template)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_segment = XLPy.CallUDF("xl_crm.excel.classic", "crm_segment", Array(customers, orders, model, as_of, window_days, template), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_segment = XLPy.CallUDF("xl_crm.excel.classic", "crm_segment", Array(customers, orders, model, as_of, window_days, template))
        Exit Function
    #End If
failed:
    crm_segment = Err.Description
End Function

Function crm_total_spend(customers, orders, Optional as_of, Optional template)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_total_spend = XLPy.CallUDF("xl_crm.excel.classic", "crm_total_spend", Array(customers, orders, as_of, template), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_total_spend = XLPy.CallUDF("xl_crm.excel.classic", "crm_total_spend", Array(customers, orders, as_of, template))
        Exit Function
    #End If
failed:
    crm_total_spend = Err.Description
End Function

Function crm_validate(table, template, Optional language, Optional first_cell)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        crm_validate = XLPy.CallUDF("xl_crm.excel.classic", "crm_validate", Array(table, template, language, first_cell), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        crm_validate = XLPy.CallUDF("xl_crm.excel.classic", "crm_validate", Array(table, template, language, first_cell))
        Exit Function
    #End If
failed:
    crm_validate = Err.Description
End Function

